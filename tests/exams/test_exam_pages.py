"""Exam pages: taking, autosave JSON and form fallback, CSRF, 404 for others, no answer leaks, review after close."""

import re

from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.models import AttemptQuestion, AttemptResult, Question, QuestionChoice

from .exam_support import *  # noqa: F401,F403
from .exam_support import answer_for, paper_of


def _start(client, exam):
    response = client.post_form(f"/exams/{exam.key}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/exams/attempts/(\d+)", response.headers["Location"]).group(1))


def _save(client, attempt_id, answers, token=None):
    headers = {"X-CSRFToken": token or client.csrf_token()}
    return client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": answers}, headers=headers)


def _secrets(app) -> list[str]:
    """Strings that would reveal answers: explanations, accepted short/numeric answers, choice feedback."""
    with app.app_context():
        found = []
        for question in _db.session.scalars(select(Question)):
            found.append(question.explanation)
            found += [a["text"] for a in (question.answer or {}).get("accepted", [])]
        found += [c.feedback for c in _db.session.scalars(select(QuestionChoice)) if c.feedback]
        # Short accepted answers ("CRM系统") may legitimately appear in another question's options;
        # explanations and feedback are long and unique, so any sighting is a leak.
        return [text for text in found if len(text) >= 12]


LEAK_WORDS = ("correct", "answer-right", "正确答案", "weight", "fraction", "explanation", "✔")


def _assert_no_leak(text: str, secrets: list[str]):
    for word in LEAK_WORDS:
        assert word not in text, word
    for secret in secrets:
        assert secret not in text, secret


def test_take_autosave_resume_submit_without_leaks(app, client, auth, make_user, exam_factory, frozen_now):
    exam, rep = exam_factory(), make_user()
    secrets = _secrets(app)
    auth.login(rep)
    attempt_id = _start(client, exam)
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert "第 1 / 2 页" in page and 'id="exam-clock"' in page and "exam.js" in page
    _assert_no_leak(page, secrets)
    with app.app_context():
        slots = paper_of(attempt_id)
        answers = {str(s.id): answer_for(s) for s in slots}
    response = _save(client, attempt_id, answers)
    assert response.status_code == 200, response.get_json()
    _assert_no_leak(response.get_data(as_text=True), secrets)
    # resume on "another device": a new client signed in as the same rep sees the saved answers
    other = app.test_client()
    other.post("/login", data={"login": rep.employee_no, "password": "Passw0rd-test", "csrf_token": other.csrf_token()})
    resumed = other.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert resumed.count(" checked") + resumed.count('value="') > 5
    summary = client.get(f"/exams/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "全部 10 题均已作答" in summary
    assert client.post_form(f"/exams/attempts/{attempt_id}/submit").status_code == 302
    result = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "100.00" in result and "通过" in result and 'id="review"' not in result
    _assert_no_leak(result, secrets)
    # after the window closes the full review is shown
    frozen_now(days=2)
    review = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert 'id="review"' in review and "正确答案" in review


def test_plain_form_saves_each_page_and_reports_field_errors(app, client, auth, make_user, exam_factory):
    exam = exam_factory()
    auth.login(make_user())
    attempt_id = _start(client, exam)
    with app.app_context():
        slots = paper_of(attempt_id)[:5]
        data = {f"q-{s.id}": answer_for(s) for s in slots}
        numeric = next((s for s in paper_of(attempt_id) if s.question.type == "numeric"), None)
    data.update({"page": "1", "slots": ",".join(str(s.id) for s in slots), "goto": "2"})
    response = client.post_form(f"/exams/attempts/{attempt_id}/page", data)
    assert response.status_code == 302 and "page=2" in response.headers["Location"]
    with app.app_context():
        saved = _db.session.scalar(
            select(func.count(AttemptQuestion.id)).where(
                AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.response.is_not(None)
            )
        )
    assert saved == 5
    if numeric is not None:
        page = (numeric.position - 1) // 5 + 1
        response = client.post_form(
            f"/exams/attempts/{attempt_id}/page",
            {f"q-{numeric.id}": "八十", "page": str(page), "slots": str(numeric.id), "goto": "1"},
        )
        assert response.status_code == 422 and "请填写数字" in response.get_data(as_text=True)


def test_bad_requests(app, client, auth, make_user, exam_factory):
    exam, rep, other = exam_factory(), make_user(), make_user()
    auth.login(other)
    foreign = _start(client, exam)
    auth.logout()
    auth.login(rep)
    attempt_id = _start(client, exam)
    with app.app_context():
        mine = paper_of(attempt_id)
        theirs = paper_of(foreign)
        choice = next(s for s in mine if s.question.type == "single")
        right = answer_for(choice)
    assert _save(client, attempt_id, {str(choice.id): right}).status_code == 200
    # a question of another paper, an option not in the question, a missing CSRF token, a forged attempt id
    response = _save(client, attempt_id, {str(theirs[0].id): "a"})
    assert response.status_code == 400 and "不属于本试卷" in response.get_json()["message"]
    response = _save(client, attempt_id, {str(choice.id): "zz"})
    assert response.status_code == 422 and response.get_json()["errors"][str(choice.id)] == "所选选项不属于这道题。"
    response = client.post(f"/exams/attempts/{attempt_id}/answers", json={"answers": {str(choice.id): "b"}})
    assert response.status_code == 400 and "CSRF" in response.get_json()["message"]
    for url in (
        f"/exams/attempts/{foreign}",
        f"/exams/attempts/{foreign}/summary",
        f"/exams/attempts/{foreign}/result",
    ):
        assert client.get(url).status_code == 404
    assert _save(client, foreign, {str(theirs[0].id): "a"}).status_code == 404
    assert client.post_form(f"/exams/attempts/{foreign}/submit").status_code == 404
    assert client.post_form("/exams/attempts/999999/submit").status_code == 404
    assert client.post_form("/exams/no-such-exam/start").status_code == 404
    assert (
        client.post(
            f"/exams/attempts/{attempt_id}/answers", data="x", headers={"X-CSRFToken": client.csrf_token()}
        ).status_code
        == 400
    )
    with app.app_context():
        stored = _db.session.get(AttemptQuestion, choice.id)
        assert stored.response == {"choices": [next(c.key for c in stored.question.choices if c.correct)]}


def test_deadline_and_closed_window_over_http(app, client, auth, make_user, exam_factory, frozen_now):
    exam = exam_factory()
    auth.login(make_user())
    attempt_id = _start(client, exam)
    frozen_now(hours=2)
    response = _save(client, attempt_id, {})
    assert response.status_code == 409 and response.get_json()["finished"]
    assert client.get(f"/exams/attempts/{attempt_id}").status_code == 302
    frozen_now(days=2)
    response = client.post_form(f"/exams/{exam.key}/start", follow_redirects=True)
    assert "考试已结束" in response.get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalar(select(func.count(AttemptResult.id))) == 1


def test_exam_list_dashboard_and_remediation(app, client, auth, make_user, make_lesson, exam_factory):
    exam = exam_factory()
    for clause in ("2.1", "2.2", "2.3", "2.4", "5.1", "5.2", "5.3", "5.4", "5", "2"):
        make_lesson(clause)
    auth.login(make_user())
    assert exam.title in client.get("/dashboard/rep").get_data(as_text=True)
    attempt_id = _start(client, exam)
    with app.app_context():
        slots = paper_of(attempt_id)
        answers = {str(s.id): answer_for(s, right=i > 0) for i, s in enumerate(slots)}
        missed = slots[0].question.clause
    _save(client, attempt_id, answers)
    client.post_form(f"/exams/attempts/{attempt_id}/submit")
    result = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "90.00" in result and f"/course/{missed}" in result
    dashboard = client.get("/dashboard/rep").get_data(as_text=True)
    assert "强化学习" in dashboard and f"/course/{missed}" in dashboard
    assert "第 1 次" in client.get("/exams/").get_data(as_text=True)
