"""Query counts that do not grow with the data (issue 12, §6): the exam list with 1 and 8 exams, and an
appeal's regrade of 1 and many attempts."""

from __future__ import annotations

from sqlalchemy import select

from lms import clock
from lms.exams import appeals, attempts
from lms.extensions import db as _db
from lms.models import Appeal, User

from .exam_support import *  # noqa: F401,F403
from .exam_support import answer_for, paper_of, start


def _sit(exam, user, right: int = 8, seed: int = 1):
    attempt = start(exam, user, seed)
    attempts.save_answers(
        attempt, {s.id: answer_for(s, i < right) for i, s in enumerate(paper_of(attempt.id))}, clock.now()
    )
    attempts.finish_attempt(attempt, clock.now())
    _db.session.commit()
    return attempt


def _list_statements(client, statements) -> int:
    with statements() as seen:
        assert client.get("/exams/").status_code == 200
    return len(seen)


def test_the_exam_list_costs_the_same_for_one_exam_and_eight(app, client, auth, make_user, exam_factory, statements):
    rep = make_user()
    with app.app_context():
        _sit(exam_factory(key="E-1"), rep)
    auth.login(rep)
    client.get("/exams/")  # warm: the bank's and the person's caches
    one = _list_statements(client, statements)
    with app.app_context():
        for number in range(2, 9):
            exam = exam_factory(key=f"E-{number}")
            _sit(exam, rep)
            if number % 2:
                start(exam, _db.session.get(User, rep.id))  # a second attempt, left in progress
    page = client.get("/exams/").get_data(as_text=True)
    assert page.count('class="card exam-card"') == 8
    eight = _list_statements(client, statements)
    print(f"\nexam list: {one} statements with 1 exam, {eight} with 8")
    assert eight == one


_last: list = []


def _regrade_statements(app, exam, reps, hr, statements) -> tuple[int, int]:
    with app.app_context():
        sat = [_sit(exam, rep) for rep in reps]
        appeal = appeals.file_appeal(sat[0], _db.session.get(User, reps[0].id), 10, "题目与指南条款不一致", clock.now())
        _db.session.commit()
        appeal = _db.session.get(Appeal, appeal.id)
        officer = _db.session.get(User, hr.id)
        with statements() as seen:
            regraded = appeals.decide_appeal(appeal, officer, "void", "题目有歧义，作废", clock.now())
        _db.session.commit()
        _last[:] = [s[:90] for s in seen]
        return regraded, len(seen)


def test_a_regrade_costs_the_same_for_one_attempt_and_many(app, make_user, exam_factory, statements):
    hr = make_user(roles=("hr",))
    solo = exam_factory(key="R-1", shuffle_questions=False, attempts_allowed=1)
    crowd = exam_factory(key="R-2", shuffle_questions=False, attempts_allowed=1)
    one_count, one = _regrade_statements(app, solo, [make_user()], hr, statements)
    many_count, many = _regrade_statements(app, crowd, [make_user() for _ in range(7)], hr, statements)
    print(f"\nregrade: {one} statements for {one_count} attempt, {many} for {many_count}")
    assert (one_count, many_count) == (1, 7)
    assert many == one, "\n".join(_last)
    with app.app_context():
        assert len(_db.session.scalars(select(Appeal)).all()) == 2
