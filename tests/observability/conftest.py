"""Fixtures for the observability tests: an app built with settings of the test's choosing.

`configured_app(**settings)` builds another app on the test database (the `app` fixture made the
schema, and empties it afterwards on PostgreSQL); an in-memory SQLite app gets its own schema; an app
pointed at an unreachable database gets none.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest

from lms import create_app
from lms.extensions import db as _db
from tests.conftest import Client, _test_config


@contextmanager
def app_with(**settings):
    """The test app (schema made, emptied afterwards on PostgreSQL) with `settings` over the test configuration.

    A module overrides the `app` fixture with it when its people and exams must live in that app's database.
    """
    import tests.conftest as root

    built = create_app({**_test_config(), **settings})
    built.test_client_class = Client
    with built.app_context():
        if not root.EXTERNAL_DB:
            _db.create_all()
        elif not root._schema_ready:
            _db.drop_all()
            _db.create_all()
            root._schema_ready = True
    try:
        yield built
    finally:
        with built.app_context():
            _db.session.remove()
            if root.EXTERNAL_DB:
                root._empty_tables()
            _db.engine.dispose()


@pytest.fixture
def configured_app(app):
    """configured_app(**settings) -> a Flask app with `settings` over the test configuration."""
    built = []

    def factory(**settings):
        other = create_app({**_test_config(), **settings})
        other.test_client_class = Client
        if other.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://":  # not a database the test points elsewhere
            with other.app_context():
                _db.create_all()
        built.append(other)
        return other

    yield factory
    for other in built:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def log_lines(capsys):
    """log_lines() -> the JSON objects written to stderr so far (lines that are not JSON are left out)."""

    def read() -> list[dict]:
        found = []
        for line in capsys.readouterr().err.splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
        return found

    return read
