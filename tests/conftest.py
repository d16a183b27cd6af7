"""Shared fixtures: app, client, runner, db, auth, and factories that return callables.

The database is in-memory SQLite per test, unless LMS_TEST_DATABASE_URL
points at another server (CI runs the suite again on PostgreSQL). There the
schema is created once per run and every table is emptied after each test.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, text

from lms import create_app
from lms.database import database_uri
from lms.extensions import db as _db
from lms.models import Lesson, User, utcnow

TEST_PASSWORD = "Passw0rd-test"
EXTERNAL_DB = os.environ.get("LMS_TEST_DATABASE_URL", "")
_schema_ready = False


class Client(FlaskClient):
    """The Flask test client, plus a way to fetch a valid CSRF token."""

    def csrf_token(self) -> str:
        """A token for the current session, read from the page's meta tag."""
        page = self.get("/account/password") if self._signed_in() else self.get("/login")
        match = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        assert match, "no csrf-token meta tag on the page"
        return match.group(1)

    def _signed_in(self) -> bool:
        with self.session_transaction() as session:
            return "_user_id" in session

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token added."""
        return self.post(url, data={**(data or {}), "csrf_token": self.csrf_token()}, **kwargs)


def _test_config() -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri(EXTERNAL_DB, "") if EXTERNAL_DB else "sqlite://",
        "SECRET_KEY": "test-secret",
        # Same algorithm as production, at a cost that keeps the suite fast.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "lms.test",
    }


@pytest.fixture
def app():
    """A fresh app with an empty schema."""
    global _schema_ready
    app = create_app(_test_config())
    app.test_client_class = Client
    with app.app_context():
        if not EXTERNAL_DB:
            _db.create_all()
        elif not _schema_ready:
            _db.drop_all()
            _db.create_all()
            _schema_ready = True
    yield app
    with app.app_context():
        _db.session.remove()
        if EXTERNAL_DB:
            _empty_tables()
        _db.engine.dispose()


def _empty_tables() -> None:
    """Empty every table of the shared PostgreSQL schema, the append-only ledger with its triggers disabled."""
    with _db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE record_entry DISABLE TRIGGER USER"))
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(delete(table))
        connection.execute(text("ALTER TABLE record_entry ENABLE TRIGGER USER"))


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """The database inside an app context, for service tests (no client needed)."""
    with app.app_context():
        yield _db


@pytest.fixture
def make_user(app):
    """Factory: make_user(roles=("rep",), **fields) creates and returns a detached User.

    Every user's password is TEST_PASSWORD unless `password` is given.
    """
    numbers = itertools.count(1)

    def factory(roles=("rep",), password: str | None = TEST_PASSWORD, **fields) -> User:
        number = next(numbers)
        fields.setdefault("employee_no", f"E{number:04d}")
        fields.setdefault("name", f"员工{number}")
        fields.setdefault("email", f"e{number}@example.com")
        fields.setdefault("active", True)
        with app.app_context():
            from lms.auth.service import hash_password

            user = User(**fields)
            user.set_roles(set(roles))
            if password:
                user.password_hash = hash_password(password)
            _db.session.add(user)
            _db.session.commit()
            _db.session.refresh(user)
            _ = user.role_rows  # load before detaching
            _db.session.expunge(user)
        return user

    return factory


@pytest.fixture
def make_lesson(app):
    """Factory: make_lesson(clause_id, body=…, chapter_no=1, retired=False) → detached Lesson."""
    positions = itertools.count(1)

    def factory(clause_id: str, body: str = "正文。", chapter_no: int = 1, retired: bool = False, title=None):
        plain = body.replace("#", "").replace("|", " ")
        with app.app_context():
            lesson = Lesson(
                clause_id=clause_id,
                title=title or f"{clause_id} 课时",
                chapter_no=chapter_no,
                chapter_title=f"第{chapter_no}章",
                position=next(positions),
                reading_minutes=2,
                body_md=body,
                plain_text=plain,
                source_hash=hashlib.sha256(body.encode()).hexdigest(),
            )
            if retired:
                lesson.retired_at = utcnow()
            _db.session.add(lesson)
            _db.session.commit()
            _db.session.refresh(lesson)
            _db.session.expunge(lesson)
        return lesson

    return factory


class AuthActions:
    """Sign in and out through the real pages."""

    def __init__(self, client: Client):
        self._client = client

    def login(self, login, password: str = TEST_PASSWORD, follow_redirects: bool = False):
        """Sign in; `login` is a User or an employee number / e-mail."""
        name = login.employee_no if isinstance(login, User) else login
        return self._client.post_form(
            "/login", {"login": name, "password": password}, follow_redirects=follow_redirects
        )

    def logout(self):
        return self._client.post_form("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)
