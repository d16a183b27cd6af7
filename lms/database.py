"""Engine settings that differ between SQLite and PostgreSQL."""

from pathlib import Path

from flask import request
from sqlalchemy import event
from sqlalchemy.engine import Engine


READ_ONLY_OPTION = "lms_read_only"


class ReadOnlyTransactionError(RuntimeError):
    """Code tried to write inside a transaction opened for reading."""


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
    writer wait instead of failing; and a transaction that may write starts
    with ``BEGIN IMMEDIATE`` so that the write lock is taken up front. A
    deferred transaction that reads first and writes later cannot wait for
    the lock (SQLite answers "database is locked" at once to avoid a
    deadlock), so taking the lock at BEGIN is what turns contention into
    waiting.

    Transactions opened with `begin_read_only` (every GET request's first
    one) start with a plain deferred ``BEGIN`` instead, so page views never
    queue behind writers. They must not write: a write inside one raises
    ReadOnlyTransactionError at once, on every run, instead of failing
    now and then under load. A GET view that writes commits first; its next
    transaction is an IMMEDIATE one again.
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
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_writes_in_reads(connection, _cursor, statement, _parameters, _context, _executemany):
        if connection.get_execution_options().get(READ_ONLY_OPTION) and _is_write(statement):
            raise ReadOnlyTransactionError(
                "write inside a read-only transaction: commit (ending the read) before writing"
            )


def _is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(("INSERT", "UPDATE", "DELETE", "REPLACE"))


def begin_read_only(session) -> None:
    """Open the session's next transaction as a read (a deferred BEGIN on SQLite).

    Does nothing when a transaction is already open. On PostgreSQL the option
    is ignored: its transactions never lock readers out.
    """
    if not session.in_transaction():
        session.connection(execution_options={READ_ONLY_OPTION: True})


def init_app(app, db) -> None:
    """GET and HEAD requests open their first transaction read-only (see configure_sqlite)."""

    @app.before_request
    def _reads_start_read_only():
        if request.method in ("GET", "HEAD") and db.engine.dialect.name == "sqlite":
            begin_read_only(db.session())  # the request's Session behind the scoped proxy

    @app.teardown_request
    def _end_read_only(_error):
        # Normally the app context ends with the request and takes the session
        # with it; where it outlives the request (a test holding a context),
        # the read must still not leak into what runs next.
        session = db.session()
        if session.in_transaction() and session.connection().get_execution_options().get(READ_ONLY_OPTION):
            session.rollback()


def migration_filter(dialect_name: str):
    """The `include_object` hook that keeps Alembic's comparisons to what migrations own.

    Left out: SQLite's FTS5 search tables (case_fts and its shadow tables),
    created with raw SQL by lms.cases.search and migration 0004, and indexes
    the models create only on another database (`Index(...).ddl_if(...)`).
    """

    def include(obj, name, type_, _reflected, _compare_to) -> bool:
        if type_ == "table" and name and name.startswith("case_fts"):
            return False
        ddl_if = getattr(obj, "_ddl_if", None) if type_ == "index" else None
        if ddl_if is not None and ddl_if.dialect:
            dialects = (ddl_if.dialect,) if isinstance(ddl_if.dialect, str) else tuple(ddl_if.dialect)
            return dialect_name in dialects
        return True

    return include
