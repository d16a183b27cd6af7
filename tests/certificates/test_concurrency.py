"""Two settlements for one person at once (two levels achieved in two requests) give one certificate."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from lms import create_app
from lms.certificates import service
from lms.extensions import db as _db
from lms.models import Certificate, FactKind, RecordEntry, User
from tests.certificates.conftest import all_levels
from tests.conftest import EXTERNAL_DB

WORKERS = 4


@pytest.fixture
def shared_app(request, tmp_path):
    """On PostgreSQL the suite's database; on SQLite a file database (in-memory ones have one connection)."""
    if EXTERNAL_DB:
        app = request.getfixturevalue("app")
    else:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/certificates.sqlite3",
                "SECRET_KEY": "test-secret",
                "SERVER_NAME": "lms.test",
            }
        )
        with app.app_context():
            _db.create_all()
    app.config["CREDENTIAL_KEY_FILE"] = str(tmp_path / "key.pem")
    yield app
    if not EXTERNAL_DB:
        with app.app_context():
            _db.engine.dispose()


def test_concurrent_settlements_issue_one_certificate(shared_app, rule):
    with shared_app.app_context():
        person = User(employee_no="E1", name="员工", email="e1@example.com", active=True)
        _db.session.add(person)
        _db.session.commit()
        person_id = person.id
        service.signing_key()  # created before the race, as lms setup does
    start, errors, issued = threading.Barrier(WORKERS), [], []

    def worker() -> None:
        with shared_app.app_context():  # its own session, so its own connection
            start.wait()
            try:
                if service.settle_certificate(person_id, all_levels(rule), rule=rule) is not None:
                    issued.append(1)
                _db.session.commit()
            except Exception as error:  # noqa: BLE001 (every failure counts, whatever it is)
                _db.session.rollback()
                errors.append(repr(error))

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and len(issued) == 1
    with shared_app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Certificate)) == 1
        facts = select(func.count()).where(RecordEntry.kind == FactKind.SKILL_CERTIFICATE)
        assert _db.session.scalar(facts) == 1
        _db.session.remove()
