"""Exam GETs after an attempt's deadline settle it (lms.database.settles_state) instead of answering 500.

On SQLite every GET starts a read-only transaction; finishing the overdue
attempt inside it raised ReadOnlyTransactionError on the list, take, summary
and result pages until a POST or `lms exams close-overdue` settled it.
These run on both databases (CI and LMS_TEST_DATABASE_URL).
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask_login import login_required

from lms.database import begin_settling, settles_state
from lms.extensions import db as _db
from lms.models import AttemptResult, ExamAttempt

from .exam_support import *  # noqa: F401,F403

PAGES = {
    "list": "/exams/",
    "take": "/exams/attempts/{id}",
    "summary": "/exams/attempts/{id}/summary",
    "result": "/exams/attempts/{id}/result",
}


def _start(client, exam) -> int:
    response = client.post_form(f"/exams/{exam.key}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/exams/attempts/(\d+)", response.headers["Location"]).group(1))


def _settled(app, attempt_id: int) -> tuple[str, str | None, int]:
    with app.app_context():
        attempt = _db.session.get(ExamAttempt, attempt_id)
        graded = _db.session.query(AttemptResult).filter_by(attempt_id=attempt_id).count()
        return attempt.status, attempt.finish_reason, graded


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_get_after_the_deadline_finishes_the_attempt(app, client, auth, make_user, exam_factory, frozen_now, page):
    exam, rep = exam_factory(time_limit_minutes=30, grace_seconds=30), make_user()
    auth.login(rep)
    attempt_id = _start(client, exam)
    assert client.get(PAGES["take"].format(id=attempt_id)).status_code == 200  # still running: a plain read
    assert _settled(app, attempt_id) == ("in_progress", None, 0)
    frozen_now(minutes=31)  # past the deadline and its grace
    response = client.get(PAGES[page].format(id=attempt_id))
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    assert _settled(app, attempt_id) == ("finished", "deadline", 1)
    # every page now reads the settled attempt; nothing is graded twice
    for url in PAGES.values():
        assert client.get(url.format(id=attempt_id), follow_redirects=True).status_code == 200
    assert _settled(app, attempt_id) == ("finished", "deadline", 1)
    listing = client.get("/exams/").get_data(as_text=True)
    assert "继续作答" not in listing and "开始第 2 次作答" in listing


def test_a_manager_opening_the_result_after_the_deadline_settles_it(
    app, client, auth, make_user, exam_factory, frozen_now
):
    manager = make_user(roles=("manager",))
    exam, rep = exam_factory(time_limit_minutes=30), make_user(manager_id=manager.id)
    auth.login(rep)
    attempt_id = _start(client, exam)
    auth.logout()
    frozen_now(hours=1)
    auth.login(manager)
    assert client.get(f"/exams/attempts/{attempt_id}/result").status_code == 200
    assert _settled(app, attempt_id) == ("finished", "deadline", 1)


def test_begin_settling_is_refused_in_a_get_not_marked_settles_state():
    app = Flask(__name__)
    app.testing = True  # the error reaches the test instead of a 500 page

    @app.get("/declared")
    @settles_state
    def declared():
        begin_settling(_FakeSession())
        return "ok"

    @app.get("/undeclared")
    def undeclared():
        begin_settling(_FakeSession())
        return "ok"

    client = app.test_client()
    assert client.get("/declared").data == b"ok"
    with pytest.raises(RuntimeError, match="not marked @settles_state"):
        client.get("/undeclared")


def test_the_marker_survives_login_required():
    @login_required
    @settles_state
    def view():
        return ""

    assert view.settles_state is True


class _FakeSession:
    """Enough of a Session for end_read: a dialect that needs nothing ended."""

    def get_bind(self):
        return type("Bind", (), {"dialect": type("Dialect", (), {"name": "postgresql"})()})()


def test_the_deadline_is_not_moved_by_a_get_before_it(app, client, auth, make_user, exam_factory, frozen_now):
    exam, rep = exam_factory(time_limit_minutes=30, grace_seconds=30), make_user()
    auth.login(rep)
    attempt_id = _start(client, exam)
    frozen_now(minutes=30, seconds=10)  # past the deadline, within the grace: still taking answers
    for page in ("list", "take", "summary"):
        assert client.get(PAGES[page].format(id=attempt_id)).status_code == 200
    assert _settled(app, attempt_id) == ("in_progress", None, 0)
    frozen_now(seconds=30)
    assert client.get(PAGES["summary"].format(id=attempt_id)).status_code == 302
    assert _settled(app, attempt_id)[0] == "finished"
