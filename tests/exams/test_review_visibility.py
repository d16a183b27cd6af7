"""Right answers reach only HR and admin, the rep once the review policy allows, and never someone
who can still take that exam (issue 12, §1: a mentor who is also a rep read a mentee's 「正确答案」)."""

from __future__ import annotations

import re

from .exam_support import *  # noqa: F401,F403
from .exam_support import answer_for, paper_of


def _start(client, exam) -> int:
    response = client.post_form(f"/exams/{exam.key}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/exams/attempts/(\d+)", response.headers["Location"]).group(1))


def _sit(app, client, auth, person, exam) -> int:
    """Sign in as `person`, answer the whole paper right, submit; returns the attempt id."""
    auth.login(person)
    attempt_id = _start(client, exam)
    with app.app_context():
        answers = {str(slot.id): answer_for(slot) for slot in paper_of(attempt_id)}
    assert (
        client.post(
            f"/exams/attempts/{attempt_id}/answers",
            json={"answers": answers},
            headers={"X-CSRFToken": client.csrf_token()},
        ).status_code
        == 200
    )
    assert client.post_form(f"/exams/attempts/{attempt_id}/submit").status_code == 302
    return attempt_id


def _review_shown(client, attempt_id: int) -> bool:
    page = client.get(f"/exams/attempts/{attempt_id}/result")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert ("正确答案" in text) == ('id="review"' in text)
    return 'id="review"' in text


def test_a_mentor_who_must_sit_the_exam_sees_no_answers_until_done(app, client, auth, make_user, exam_factory):
    exam = exam_factory(review_policy="immediate", attempts_allowed=1)
    mentor = make_user(roles=("rep",))
    mentee = make_user(mentor_id=mentor.id)
    attempt_id = _sit(app, client, auth, mentee, exam)
    assert _review_shown(client, attempt_id)  # the rep: the policy says immediately
    auth.logout()
    auth.login(mentor)
    page = client.get(f"/exams/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "正确答案" not in page and 'id="review"' not in page and "您本人也须参加这次考试" in page
    auth.logout()
    _sit(app, client, auth, mentor, exam)  # once the mentor has used their attempt
    assert _review_shown(client, attempt_id)


def test_a_manager_who_is_not_in_the_audience_sees_answers_when_the_policy_allows(
    app, client, auth, make_user, exam_factory
):
    exam = exam_factory(review_policy="immediate")
    manager = make_user(roles=("manager",))
    rep = make_user(manager_id=manager.id)
    attempt_id = _sit(app, client, auth, rep, exam)
    auth.logout()
    auth.login(manager)
    assert _review_shown(client, attempt_id)


def test_hr_sees_answers_whatever_the_policy_and_reps_wait_for_it(
    app, client, auth, make_user, exam_factory, frozen_now
):
    exam = exam_factory(review_policy="after_close")
    rep, hr = make_user(), make_user(roles=("hr",))
    attempt_id = _sit(app, client, auth, rep, exam)
    assert not _review_shown(client, attempt_id)
    auth.logout()
    auth.login(hr)
    assert _review_shown(client, attempt_id)
    auth.logout()
    frozen_now(days=2)  # the window has closed
    auth.login(rep)
    assert _review_shown(client, attempt_id)


def test_a_mentor_who_can_still_take_it_is_refused_after_close_only_until_then(
    app, client, auth, make_user, exam_factory, frozen_now
):
    exam = exam_factory(review_policy="after_close")
    mentor = make_user(roles=("rep",))
    attempt_id = _sit(app, client, auth, make_user(mentor_id=mentor.id), exam)
    auth.logout()
    auth.login(mentor)
    assert not _review_shown(client, attempt_id)
    frozen_now(days=2)  # closed: nobody can take it any more
    assert _review_shown(client, attempt_id)
