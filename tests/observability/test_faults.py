"""Faults a node must ride out: the database unreachable (a clean 503 in Chinese) and Redis down
(sign-in and exams go on, throttling falls back to per-process counters and says so loudly).

Both point the app at a port nobody listens on, so they run without PostgreSQL or Redis.
"""

from __future__ import annotations

import pytest

from lms.errors import DATABASE_UNAVAILABLE
from lms.extensions import limiter
from tests.conftest import TEST_PASSWORD
from tests.exams.exam_support import *  # noqa: F403 (bank, exam_factory, frozen_now)
from tests.multinode.servers import dead_port
from tests.observability.conftest import app_with


@pytest.fixture
def app():
    """The test app with its throttling storage on a Redis that is down (a port nobody listens on)."""
    with app_with(
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{dead_port()}/0", LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes"
    ) as built:
        yield built
    # The limiter is one object per process: put its "storage is dead" flag back for the next test's app.
    limiter._storage_dead = False


def test_an_unreachable_database_gets_a_503_with_a_chinese_message_and_a_retry_after(configured_app, log_lines):
    app = configured_app(SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{dead_port()}/none")
    client = app.test_client()
    page = client.post_form("/login", {"login": "E0001", "password": TEST_PASSWORD})
    assert page.status_code == 503
    assert "数据库暂时无法连接" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "2"

    as_json = client.post_form(
        "/login", {"login": "E0001", "password": TEST_PASSWORD}, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == 503
    assert as_json.get_json()["message"] == DATABASE_UNAVAILABLE
    logged = [line for line in log_lines() if line.get("message", "").startswith("database unavailable")]
    assert len(logged) == 2 and logged[0]["level"] == "ERROR" and "exception" not in logged[0]


def test_with_redis_down_sign_in_and_an_exam_keep_working_and_the_fallback_is_logged_as_an_error(
    client, make_user, exam_factory, log_lines
):
    exam = exam_factory()
    person = make_user()
    signed_in = client.post_form("/login", {"login": person.employee_no, "password": TEST_PASSWORD})
    assert signed_in.status_code == 302

    started = client.post_form(f"/exams/{exam.key}/start")
    assert started.status_code == 302
    attempt_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    token = client.csrf_token()
    saved = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {}}, headers={"X-CSRFToken": token})
    assert saved.status_code == 200
    assert client.post_form(f"/exams/attempts/{attempt_id}/submit").status_code == 302

    alarms = [line for line in log_lines() if "限流存储" in line.get("message", "")]
    assert alarms and alarms[0]["level"] == "ERROR" and alarms[0]["logger"] == "flask-limiter"


def test_with_redis_down_failed_sign_ins_are_still_throttled_in_memory(client, make_user):
    person = make_user()
    statuses = [
        client.post_form("/login", {"login": person.employee_no, "password": "wrong-password-1"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
