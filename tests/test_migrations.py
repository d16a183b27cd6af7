"""The migrations build the schema on an empty database, and agree with the models."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.database import database_uri, migration_filter
from lms.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    """A URL of a brand-new, empty database on the engine under test."""
    external = os.environ.get("LMS_TEST_DATABASE_URL")
    if not external:
        yield f"sqlite:///{tmp_path}/migrations.sqlite3"
        return
    server = make_url(database_uri(external, ""))
    name = f"lms_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_builds_schema_matching_models(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            options = {"compare_type": True, "include_object": migration_filter(connection.dialect.name)}
            context = MigrationContext.configure(connection, opts=options)
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree: {differences}"
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()  # and up again: the downgrades leave nothing behind that blocks it
        db.engine.dispose()
