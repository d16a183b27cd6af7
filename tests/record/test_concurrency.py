"""Four workers appending at once give one chain with no fork and no error."""

from __future__ import annotations

import threading

import pytest

from lms import clock, create_app
from lms.extensions import db as _db
from lms.models import FactKind, User
from lms.record import service
from tests.conftest import EXTERNAL_DB

WORKERS, EACH = 4, 40


@pytest.fixture
def shared_app(request, tmp_path):
    """On PostgreSQL the suite's database; on SQLite a file database (in-memory ones have one connection)."""
    if EXTERNAL_DB:
        yield request.getfixturevalue("app")
        return
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/ledger.sqlite3",
            "SECRET_KEY": "test-secret",
        }
    )
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.engine.dispose()


def test_concurrent_appends_never_fork_the_chain(shared_app):
    with shared_app.app_context():
        person = User(employee_no="E1", name="员工", email="e1@example.com", active=True)
        _db.session.add(person)
        _db.session.commit()
        person_id = person.id
    start, errors = threading.Barrier(WORKERS), []

    def worker(number: int) -> None:
        with shared_app.app_context():  # its own session, so its own connection
            start.wait()
            for index in range(EACH):
                try:
                    service.append_fact(
                        FactKind.SHARING_ATTENDED,
                        subject_id=person_id,
                        occurred_at=clock.now(),
                        source=f"sharing_session:{number * 1000 + index}",
                    )
                    _db.session.commit()
                except Exception as error:  # noqa: BLE001 (every failure counts, whatever it is)
                    _db.session.rollback()
                    errors.append(repr(error))

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with shared_app.app_context():
        report = service.verify_chain(batch_size=50)
        assert (report.ok, report.count) == (True, WORKERS * EACH)
        _db.session.remove()
