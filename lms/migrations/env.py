"""Alembic environment for lms, run through Flask-Migrate (`lms db …`).

It uses the app's own engine, so SQLite gets the same pragmas and
BEGIN IMMEDIATE transactions as at run time, and PostgreSQL the same URL.
Flask-Migrate 4 turns on batch mode, which SQLite needs to alter tables.
"""

import logging
import warnings
from logging.config import fileConfig

from alembic import context
from flask import current_app

from lms.database import migration_filter

# SQLite cannot reflect 0007's unique index on lower(employee_no); batch migrations that reflect
# the user table (through a foreign key) would warn about it on every upgrade. The index is
# created and checked by hand (tests/people/test_employee_no_case.py).
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")

config = context.config
if config.config_file_name:
    # Keep the application's and pytest's loggers alive.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_extension = current_app.extensions["migrate"]
target_metadata = migrate_extension.db.metadata


def _skip_empty_autogenerate(_context, _revision, directives):
    """Write no migration file when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    """Emit SQL to stdout (`lms db upgrade --sql`) without a connection."""
    url = migrate_extension.db.engine.url.render_as_string(hide_password=False)
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=migration_filter(migrate_extension.db.engine.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations over the app's engine."""
    options = dict(migrate_extension.configure_args)
    options.setdefault("process_revision_directives", _skip_empty_autogenerate)
    with migrate_extension.db.engine.connect() as connection:
        options.setdefault("include_object", migration_filter(connection.dialect.name))
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
