"""Engine settings that differ between SQLite and PostgreSQL."""

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine


def database_uri(configured: str, instance_path: str) -> str:
    """Return the SQLAlchemy URI for a configured `LMS_DATABASE_URL`.

    Empty means the embedded default: a SQLite file in the instance folder.
    Plain ``postgresql://`` URLs are pointed at the psycopg 3 driver we ship.
    """
    if not configured:
        return "sqlite:///" + str(Path(instance_path) / "lms.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if configured.startswith(prefix):
            return "postgresql+psycopg://" + configured[len(prefix):]
    return configured


def configure_sqlite(engine: Engine, busy_timeout_seconds: int) -> None:
    """Make SQLite safe for several writers (threads or gunicorn workers).

    WAL lets readers run beside the writer; the busy timeout makes a second
    writer wait instead of failing; and every transaction starts with
    ``BEGIN IMMEDIATE`` so that the write lock is taken up front. A deferred
    transaction that reads first and writes later cannot wait for the lock
    (SQLite answers "database is locked" at once to avoid a deadlock), so
    taking the lock at BEGIN is what turns contention into waiting.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
