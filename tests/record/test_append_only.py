"""The database itself refuses UPDATE and DELETE on the ledger: on the test schema and on a migrated one."""

from __future__ import annotations

import os
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from lms import clock, create_app
from lms.database import database_uri
from lms.extensions import db as _db
from lms.models import FactKind, User
from lms.record import service

REFUSALS = [
    "UPDATE record_entry SET payload = '{}'",
    "UPDATE record_entry SET hash = prev_hash WHERE seq = 1",
    "DELETE FROM record_entry WHERE seq = 1",
    "DELETE FROM record_entry",
]


def _assert_refused(session, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    session.rollback()


@pytest.mark.parametrize("statement", REFUSALS)
def test_raw_update_and_delete_are_refused(db, make_user, append, statement):
    person = make_user()
    append(person.id, n=2)
    _assert_refused(db.session, statement)
    assert service.verify_chain().count == 2


def test_truncate_is_refused_on_postgresql(db, make_user, append):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE fires the trigger, tested above)")
    append(make_user().id)
    _assert_refused(db.session, "TRUNCATE record_entry CASCADE")


@pytest.fixture
def migrated_app(tmp_path):
    """An app on a brand-new database built by `lms db upgrade` (not create_all)."""
    external = os.environ.get("LMS_TEST_DATABASE_URL")
    if not external:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/migrated.sqlite3"})
        with app.app_context():
            upgrade()
        yield app
        return
    server = make_url(database_uri(external, ""))
    name = f"lms_record_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": server.set(database=name).render_as_string(hide_password=False),
            }
        )
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            _db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migration_installs_the_same_refusals(migrated_app):
    with migrated_app.app_context():
        person = User(employee_no="E1", name="员工", email="e1@example.com", active=True)
        _db.session.add(person)
        _db.session.flush()
        for _ in range(2):
            service.append_fact(FactKind.AWARD, subject_id=person.id, occurred_at=clock.now(), source="award:1")
        _db.session.commit()
        for statement in REFUSALS:
            _assert_refused(_db.session, statement)
        if _db.engine.dialect.name == "postgresql":
            _assert_refused(_db.session, "TRUNCATE record_entry CASCADE")
        assert service.verify_chain().count == 2
        _db.session.remove()
