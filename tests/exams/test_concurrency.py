"""Races, with real threads: on a SQLite file (WAL, BEGIN IMMEDIATE) and, with
LMS_TEST_DATABASE_URL set, on PostgreSQL.

Ten simultaneous submits give one graded result; simultaneous starts give one
attempt; starts beyond the limit are refused; autosaves racing a submit are
either graded or refused, never lost silently.
"""

from __future__ import annotations

import re
import threading

import pytest
from conftest import EXTERNAL_DB, TEST_PASSWORD, Client, _test_config
from sqlalchemy import func, select

from lms import create_app
from lms.extensions import db as _db
from lms.models import AttemptResult, ExamAttempt

from .exam_support import *  # noqa: F401,F403
from .exam_support import answer_for, paper_of


@pytest.fixture
def app(app, tmp_path):
    """The conftest's app on PostgreSQL; otherwise the same app on a SQLite file (threads need a shared file)."""
    if EXTERNAL_DB:
        yield app
        return
    file_app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'race.sqlite3'}"})
    file_app.test_client_class = Client
    with file_app.app_context():
        _db.create_all()
    yield file_app
    with file_app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _clients(app, user, count):
    clients = []
    for _ in range(count):
        client = app.test_client()
        client.post(
            "/login", data={"login": user.employee_no, "password": TEST_PASSWORD, "csrf_token": client.csrf_token()}
        )
        clients.append((client, client.csrf_token()))
    return clients


def _at_once(clients, action):
    barrier = threading.Barrier(len(clients))
    answers = [None] * len(clients)
    errors = []

    def run(index, client, token):
        barrier.wait()
        try:
            answers[index] = action(client, token)
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, c, t)) for i, (c, t) in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return answers


def test_ten_submits_at_once_give_one_result(app, make_user, exam_factory):
    exam, rep = exam_factory(), make_user()
    clients = _clients(app, rep, 10)
    first, token = clients[0]
    start = first.post(f"/exams/{exam.key}/start", data={"csrf_token": token})
    attempt_id = int(re.search(r"/attempts/(\d+)", start.headers["Location"]).group(1))
    with app.app_context():
        answers = {str(s.id): answer_for(s) for s in paper_of(attempt_id)}
    assert (
        first.post(
            f"/exams/attempts/{attempt_id}/answers", json={"answers": answers}, headers={"X-CSRFToken": token}
        ).status_code
        == 200
    )
    statuses = _at_once(
        clients, lambda c, t: c.post(f"/exams/attempts/{attempt_id}/submit", data={"csrf_token": t}).status_code
    )
    assert statuses == [302] * 10
    with app.app_context():
        results = _db.session.scalars(select(AttemptResult).where(AttemptResult.attempt_id == attempt_id)).all()
        assert len(results) == 1 and results[0].score == 100


def test_starts_at_once_give_one_attempt_and_the_limit_holds(app, make_user, exam_factory):
    exam, rep = exam_factory(attempts_allowed=2), make_user()
    clients = _clients(app, rep, 8)
    locations = _at_once(
        clients, lambda c, t: c.post(f"/exams/{exam.key}/start", data={"csrf_token": t}).headers["Location"]
    )
    assert len(set(locations)) == 1 and "/attempts/" in locations[0]
    with app.app_context():
        assert _db.session.scalar(select(func.count(ExamAttempt.id))) == 1
    attempt_id = int(locations[0].rsplit("/", 1)[-1])
    _at_once(clients, lambda c, t: c.post(f"/exams/attempts/{attempt_id}/submit", data={"csrf_token": t}).status_code)
    _at_once(clients, lambda c, t: c.post(f"/exams/{exam.key}/start", data={"csrf_token": t}).status_code)
    with app.app_context():
        second = _db.session.scalars(select(ExamAttempt).where(ExamAttempt.number == 2)).one()
    _at_once(clients, lambda c, t: c.post(f"/exams/attempts/{second.id}/submit", data={"csrf_token": t}).status_code)
    locations = _at_once(
        clients, lambda c, t: c.post(f"/exams/{exam.key}/start", data={"csrf_token": t}).headers["Location"]
    )
    assert all(location.endswith("/exams/") for location in locations)  # refused: limit reached
    with app.app_context():
        assert _db.session.scalar(select(func.count(ExamAttempt.id))) == 2
        assert _db.session.scalar(select(func.count(AttemptResult.id))) == 2


def test_autosaves_racing_a_submit_are_graded_or_refused(app, make_user, exam_factory):
    exam, rep = exam_factory(), make_user()
    clients = _clients(app, rep, 6)
    first, token = clients[0]
    start = first.post(f"/exams/{exam.key}/start", data={"csrf_token": token})
    attempt_id = int(re.search(r"/attempts/(\d+)", start.headers["Location"]).group(1))
    with app.app_context():
        slots = paper_of(attempt_id)
        answers = [{str(s.id): answer_for(s)} for s in slots[:5]]

    def act(index_client, token):
        index = [c for c, _ in clients].index(index_client)
        if index == 0:
            return index_client.post(f"/exams/attempts/{attempt_id}/submit", data={"csrf_token": token}).status_code
        return index_client.post(
            f"/exams/attempts/{attempt_id}/answers",
            json={"answers": answers[index - 1]},
            headers={"X-CSRFToken": token},
        ).status_code

    statuses = _at_once(clients, act)
    saved = statuses[1:].count(200)
    assert statuses[0] == 302 and set(statuses[1:]) <= {200, 409}
    with app.app_context():
        result = _db.session.scalars(select(AttemptResult)).one()
        assert result.score == 10 * saved  # every save that was acknowledged is in the grade
