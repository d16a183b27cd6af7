"""Engine settings that differ between SQLite and PostgreSQL."""

import fcntl
import sqlite3
from pathlib import Path

from flask import current_app, has_request_context, request
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
            return "postgresql+psycopg://" + configured[len(prefix) :]
    return configured


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions first queue on a lock file.

    SQLite makes a second writer poll for its lock, sleeping 1, 2, 5 … up to
    100 ms between tries, so with several gunicorn workers writing at once
    the lock sits free while the waiters sleep (exam-day starts ran about a
    fifth faster once writers queued instead). A blocking flock() on ``<database>-writer.lock``
    is a queue the kernel wakes at once. It is taken just before
    ``BEGIN IMMEDIATE`` and released when the transaction ends; SQLite's own
    lock and busy timeout stay underneath as before. A worker stuck while
    holding it is ended by gunicorn's worker timeout, which frees the lock.
    """

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        name = str(database)
        file_backed = name not in ("", ":memory:") and not name.startswith("file:")
        self._writer_lock_path = name + "-writer.lock" if file_backed else None
        self._writer_lock = None  # the open lock file while this connection holds the turn

    def take_writer_turn(self) -> None:
        """Wait until no other connection of this database is in a write transaction."""
        if self._writer_lock_path is None or self._writer_lock is not None:
            return
        lock = open(self._writer_lock_path, "a")  # noqa: SIM115 (closed when the turn ends)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
        except BaseException:
            lock.close()
            raise
        self._writer_lock = lock

    def _end_writer_turn(self) -> None:
        lock, self._writer_lock = self._writer_lock, None
        if lock is not None:
            lock.close()  # closing the file releases the flock

    def commit(self):
        try:
            super().commit()
        finally:
            self._end_writer_turn()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._end_writer_turn()

    def close(self):
        try:
            super().close()
        finally:
            self._end_writer_turn()


def engine_options(uri: str, configured: dict) -> dict:
    """SQLAlchemy engine options for `uri`: SQLite file databases get QueuedWriterConnection."""
    options = dict(configured)
    if uri.startswith("sqlite"):
        options["connect_args"] = {"factory": QueuedWriterConnection, **options.get("connect_args", {})}
    return options


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
    now and then under load. A GET view that writes is marked `settles_state`
    and calls `begin_settling` first; its next transaction is an IMMEDIATE one.
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
        if not read_only:
            take_turn = getattr(connection.connection.dbapi_connection, "take_writer_turn", None)
            if take_turn is not None:
                take_turn()
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_writes_in_reads(connection, _cursor, statement, _parameters, _context, _executemany):
        if connection.get_execution_options().get(READ_ONLY_OPTION) and _is_write(statement):
            raise ReadOnlyTransactionError(
                "write inside a read-only transaction: commit (ending the read) before writing; "
                "a GET that writes is marked @settles_state and calls begin_settling() first"
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


def reads_first(view):
    """Mark a writing view whose request starts with a read-only transaction.

    Such a view reads what it needs, commits (ending the read) and then
    writes in a short transaction of its own, so SQLite's write lock is not
    held while it signs the person in and prepares its work.
    """
    view.reads_first = True
    return view


def settles_state(view):
    """Mark a GET view that may settle state before it shows a page: the one supported way for a GET to write.

    Settling is bringing stored state up to what the clock already decided, such
    as finishing and grading an attempt whose deadline has passed, so that the
    page shows the truth even before a POST or `lms exams close-overdue` ran.
    Such a GET still starts with a read (page views never queue behind
    writers); when it finds something to settle it calls `begin_settling`,
    which ends the read, and writes in a transaction of its own. A GET view
    not marked so gets ReadOnlyTransactionError for any write, as before.
    """
    view.settles_state = True
    return view


def begin_settling(session) -> None:
    """End the read of a `settles_state` GET before it writes (see settles_state).

    On SQLite this commits the deferred read, so the writes begin with
    BEGIN IMMEDIATE in the writer queue; the settling code must then re-check
    what it read (the conditional UPDATEs of lms.exams.attempts do). On
    PostgreSQL the transaction simply goes on. Raises RuntimeError inside a GET
    whose view is not marked settles_state: such a write would be an accident.
    """
    if has_request_context() and request.method in ("GET", "HEAD"):
        view = current_app.view_functions.get(request.endpoint)
        if not getattr(view, "settles_state", False):
            raise RuntimeError(f"GET {request.endpoint} settles state but is not marked @settles_state")
    end_read(session)


def end_read(session) -> None:
    """End the read of a `reads_first` view before it writes.

    On SQLite this commits the deferred read transaction, so the writes
    begin with BEGIN IMMEDIATE in the writer queue; on PostgreSQL, where
    reads never wait for writers, the transaction simply goes on (one round
    trip fewer).
    """
    if session.get_bind().dialect.name == "sqlite":
        session.commit()


def init_app(app, db) -> None:
    """GET and HEAD requests (and views marked reads_first) open their first transaction read-only.

    A GET marked `settles_state` opens the same read; it ends it with
    `begin_settling` before it writes.
    """

    @app.before_request
    def _reads_start_read_only():
        if db.engine.dialect.name != "sqlite":
            return
        view = app.view_functions.get(request.endpoint)
        if request.method in ("GET", "HEAD") or getattr(view, "reads_first", False):
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
