"""Operations fixtures: apps on freshly migrated databases (a SQLite file, or a PostgreSQL database made and dropped).

Backups, restores and job leases need real databases that outlive a
connection (threads, pg_dump, a second app), and a schema built by the
migrations (a backup records the alembic revision), so these tests do not
use the in-memory `create_all` database of the root conftest.
"""

from __future__ import annotations

import socket
import textwrap
import uuid

import pytest
from aiosmtpd.controller import Controller
from conftest import EXTERNAL_DB, Client, _test_config
from exams.exam_support import frozen_now  # noqa: F401 (the exam tests' clock fixture, for every test here)
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.database import database_uri
from lms.extensions import db as _db

STRONG_KEY = "k" * 48


@pytest.fixture
def new_database(tmp_path):
    """new_database() -> the URL of a brand-new empty database on the engine under test; all dropped afterwards."""
    made: list[str] = []
    server = make_url(database_uri(EXTERNAL_DB, "")) if EXTERNAL_DB else None

    def factory() -> str:
        if server is None:
            return f"sqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
        name = f"lms_ops_{uuid.uuid4().hex[:10]}"
        with _admin(server) as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield factory
    for name in made:
        with _admin(server) as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class _admin:
    def __init__(self, server):
        self.engine = create_engine(server, isolation_level="AUTOCOMMIT")

    def __enter__(self):
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *exc):
        self.connection.close()
        self.engine.dispose()


@pytest.fixture
def app_on(tmp_path):
    """app_on(url, migrate=True, revision="head", **config) -> an app on `url`, migrated unless told not to."""
    apps = []

    def factory(url: str, migrate: bool = True, revision: str = "head", **config):
        instance = tmp_path / f"instance-{len(apps)}"
        instance.mkdir()
        app = create_app(
            {
                **_test_config(),
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": STRONG_KEY,
                "BACKUP_DIR": str(tmp_path / f"backups-{len(apps)}"),
                "CHECKPOINT_DIR": str(tmp_path / f"checkpoints-{len(apps)}"),
                **config,
            }
        )
        app.instance_path = str(instance)
        app.test_client_class = Client
        if migrate:
            with app.app_context():
                upgrade(revision=revision)
                _db.engine.dispose()
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def app(app_on, new_database):
    """The app every fixture of the root conftest builds on: here on a migrated database of its own."""
    return app_on(new_database())


@pytest.fixture
def program_dir(app, tmp_path):
    """CONTENT_DIR with an onboarding program naming lessons 1.1 and 1.2, due a month after hiring."""
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "onboarding.yaml").write_text(
        textwrap.dedent(
            """\
            title: 新员工入职基础培训
            due_months: 1
            lessons:
              - "1.1"
              - "1.2"
            """
        ),
        encoding="utf-8",
    )
    app.config["CONTENT_DIR"] = str(folder)
    return folder


class Inbox:
    """Every message the SMTP server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback (aiosmtpd), configured as the app's mail server."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="lms@example.com")
    yield inbox
    controller.stop()
