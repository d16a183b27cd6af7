"""create_app: configuration layering, database settings, security baseline."""

import sqlite3

import pytest
from sqlalchemy import text

from lms import create_app
from lms.database import database_uri
from lms.extensions import db
from lms.security import CONTENT_SECURITY_POLICY


def test_test_config_wins(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret"


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("LMS_PEOPLE_PER_PAGE", "7")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
    assert app.config["PEOPLE_PER_PAGE"] == 7


def test_default_database_is_sqlite_in_instance_folder(monkeypatch):
    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + app.instance_path + "/lms.sqlite3"


@pytest.mark.parametrize(
    "configured, expected",
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_postgres_urls_use_psycopg(configured, expected):
    assert database_uri(configured, "/unused") == expected


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
        # SECRET_KEY None also overrides a key a developer's instance/config.py may hold.
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": None})


def test_production_sets_secure_cookie():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_sqlite_file_settings(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/wal.sqlite3"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        db.session.rollback()
        db.engine.dispose()


def test_sqlite_writers_wait_instead_of_failing(tmp_path):
    """A second writer blocks on BEGIN IMMEDIATE rather than failing mid-transaction."""
    path = tmp_path / "lock.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SQLITE_BUSY_TIMEOUT": 5})
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.commit()
        db.session.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        db.session.commit()
        other.execute("BEGIN IMMEDIATE")  # free once the first writer commits
        other.execute("ROLLBACK")
        other.close()
        db.engine.dispose()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_security_headers(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_or_style_in_pages(client):
    body = client.get("/login").get_data(as_text=True)
    assert "<script>" not in body and "style=" not in body


def test_chinese_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_request_body_limit_gives_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"login": "x" * 4096})
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_400(client):
    response = client.post("/login", data={"login": "a", "password": "b"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_json_errors_for_json_clients(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "页面不存在"


def test_500_page_is_chinese(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "服务器出错" in response.get_data(as_text=True)


def test_a_page_token_from_an_earlier_session_is_refused(client, auth, make_user):
    # csrf_token() reuses one signature per session (lms.security): reuse
    # must never carry a token over into the next session.
    person = make_user()
    auth.login(person)
    old_token = client.csrf_token()
    assert client.csrf_token() == old_token  # signed once per session
    auth.logout()
    auth.login(person)
    assert client.csrf_token() != old_token
    refused = client.post("/course/preference", data={"script": "hant", "csrf_token": old_token})
    assert refused.status_code == 400
    accepted = client.post("/course/preference", data={"script": "hant", "csrf_token": client.csrf_token()})
    assert accepted.status_code == 302


def test_healthz_answers_503_when_the_database_is_unreachable():
    from lms import create_app

    app = create_app(
        {
            "TESTING": True,
            # Nothing listens on port 1: every connection attempt fails at once.
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
            "SECRET_KEY": "test-secret",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    app.logger.disabled = True  # the failure is logged with its traceback; not needed here
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}
