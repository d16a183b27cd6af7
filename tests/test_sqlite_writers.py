"""SQLite write transactions queue on a lock file (lms.database.QueuedWriterConnection)."""

import fcntl
import threading

import pytest
from flask_login import login_required
from sqlalchemy import create_engine, text

from lms.auth.service import hash_password
from lms.database import READ_ONLY_OPTION, configure_sqlite, end_read, engine_options, reads_first
from lms.extensions import db
from lms.models import User
from tests.conftest import EXTERNAL_DB, TEST_PASSWORD


@pytest.fixture()
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    engine = create_engine(url, **engine_options(url, {}))
    configure_sqlite(engine, busy_timeout_seconds=5)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE log (entry TEXT)"))
    yield engine
    engine.dispose()


def _lock_is_free(engine) -> bool:
    with open(engine.url.database + "-writer.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def test_a_write_transaction_holds_the_lock_file(engine):
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO log VALUES ('x')"))
        assert not _lock_is_free(engine)
    assert _lock_is_free(engine)
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as connection:  # a read never takes it
        connection.execute(text("SELECT count(*) FROM log")).scalar()
        assert _lock_is_free(engine)


def test_a_second_writer_waits_for_the_first_to_commit(engine):
    order = []
    first_holds_lock = threading.Event()

    def second_writer():
        first_holds_lock.wait()
        with engine.begin() as connection:  # queues on the lock file until the first commits
            order.append("second begins")
            connection.execute(text("INSERT INTO log VALUES ('second')"))

    waiting = threading.Thread(target=second_writer)
    waiting.start()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO log VALUES ('first')"))
        first_holds_lock.set()
        waiting.join(timeout=0.3)
        assert waiting.is_alive()  # still queued while the first transaction is open
        order.append("first commits")
    waiting.join(timeout=5)
    assert order == ["first commits", "second begins"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT entry FROM log ORDER BY rowid")).scalars().all() == ["first", "second"]


def test_a_rolled_back_writer_lets_the_next_one_in(engine):
    with pytest.raises(RuntimeError), engine.begin() as connection:
        connection.execute(text("INSERT INTO log VALUES ('lost')"))
        raise RuntimeError("abandon the transaction")
    done = threading.Event()

    def writer():
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO log VALUES ('kept')"))
        done.set()

    threading.Thread(target=writer).start()
    assert done.wait(timeout=5)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT entry FROM log")).scalars().all() == ["kept"]


@pytest.mark.skipif(EXTERNAL_DB != "", reason="read-only transactions are SQLite's")
def test_a_reads_first_view_reads_then_writes_in_its_own_transaction(app, client):
    seen = {}

    @app.post("/_probe")
    @login_required
    @reads_first
    def probe():
        seen["first"] = db.session.connection().get_execution_options().get(READ_ONLY_OPTION)
        end_read(db.session)
        seen["after end_read"] = db.session.connection().get_execution_options().get(READ_ONLY_OPTION)
        return "ok"

    with app.app_context():
        person = User(
            employee_no="P1",
            name="探针",
            email="p1@example.com",
            active=True,
            password_hash=hash_password(TEST_PASSWORD),
        )
        person.set_roles({"rep"})
        db.session.add(person)
        db.session.commit()
    client.post_form("/login", {"login": "P1", "password": TEST_PASSWORD})
    assert client.post_form("/_probe").status_code == 200
    assert seen == {"first": True, "after end_read": None}
