"""Attempt services: paper fixed at start, resume, limits, window, deadline, autosave, bad input, close-overdue."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.exams import attempts, options, results
from lms.exams.definitions import Draw
from lms.exams.errors import AttemptFinished, AttemptLimitReached, ExamClosed, ExamNotOpen, NotEligible, UnknownQuestion
from lms.extensions import db
from lms.models import AttemptResult, Exam, ExamAttempt, User

from .exam_support import *  # noqa: F401,F403
from .exam_support import answer_for, paper_of, start


def _load(exam, user):
    return db.session.get(Exam, exam.id), db.session.get(User, user.id)


def test_start_fixes_the_paper_and_a_second_start_resumes_it(db, exam_factory, make_user):
    exam, rep = exam_factory(), make_user()
    attempt = start(exam, rep)
    slots = paper_of(attempt.id)
    assert len(slots) == 10 and sum(s.points for s in slots) == Decimal(100)
    assert [s.position for s in slots] == list(range(1, 11))
    assert all(s.option_order for s in slots if s.question.type in ("single", "multiple", "true_false"))
    again = start(exam, rep, seed=99)
    assert again.id == attempt.id and [s.question_id for s in paper_of(again.id)] == [s.question_id for s in slots]
    assert attempt.deadline_at == clock.now() + timedelta(minutes=60)


def test_the_stored_paper_is_the_drawn_one_exactly(db, exam_factory, make_user):
    # 4 × 12.5 + 5 × 10: fractional points must arrive exact, whichever way the rows travel.
    exam = exam_factory(
        draws=(Draw(count=4, points=Decimal("12.5"), chapter="2"), Draw(count=5, points=Decimal(10), chapter="5"))
    )
    rep = make_user()
    exam = db.session.get(Exam, exam.id)
    drawn = attempts.draw_paper_for(exam, random.Random(7))
    attempt = attempts.start_attempt(exam, db.session.get(User, rep.id), clock.now(), drawn=drawn)
    db.session.commit()
    db.session.expire_all()
    stored = paper_of(attempt.id)
    assert [(s.position, s.question_id, s.points, tuple(s.option_order)) for s in stored] == [
        (position, slot.ref, slot.points, slot.option_order) for position, slot in enumerate(drawn, start=1)
    ]
    assert sum(s.points for s in stored) == Decimal(100)
    row = db.session.get(ExamAttempt, attempt.id)  # the returned attempt is the stored row
    assert (row.number, row.status, row.started_at, row.deadline_at) == (
        1,
        "in_progress",
        clock.now(),
        attempt.deadline_at,
    )


def test_deadline_is_the_window_close_when_that_comes_first(db, exam_factory, make_user, frozen_now):
    exam = exam_factory(closes_at=frozen_now.get() + timedelta(minutes=10))
    assert start(exam, make_user()).deadline_at == exam.closes_at


def test_window_limits_and_audience(db, exam_factory, make_user, frozen_now):
    rep, hr = make_user(), make_user(roles=("hr",))
    exam = exam_factory(attempts_allowed=1)
    later = exam_factory(
        key="T-2", opens_at=frozen_now.get() + timedelta(days=1), closes_at=frozen_now.get() + timedelta(days=2)
    )
    attempt = start(exam, rep)
    attempts.finish_attempt(attempt, clock.now())
    db.session.commit()
    with pytest.raises(AttemptLimitReached):
        start(exam, rep)
    with pytest.raises(NotEligible):
        start(exam, hr)
    with pytest.raises(ExamNotOpen):
        start(later, rep)
    frozen_now(frozen_now.get() + timedelta(days=3))
    with pytest.raises(ExamClosed):
        start(later, rep)


def test_autosave_grades_and_best_attempt_counts(db, exam_factory, make_user):
    exam, rep = exam_factory(), make_user()
    first = start(exam, rep)
    slots = paper_of(first.id)
    report = attempts.save_answers(first, {s.id: answer_for(s, right=i < 7) for i, s in enumerate(slots)}, clock.now())
    assert sorted(report.saved) == sorted(s.id for s in slots) and not report.errors
    result = attempts.finish_attempt(first, clock.now())
    db.session.commit()
    assert result.score == Decimal(70) and not result.passed and result.sequence == 1
    second = start(exam, rep, seed=2)
    attempts.save_answers(second, {s.id: answer_for(s) for s in paper_of(second.id)}, clock.now())
    attempts.finish_attempt(second, clock.now())
    db.session.commit()
    best = results.best_result(*_load(exam, rep))
    assert best.attempt_id == second.id and best.score == Decimal(100) and best.passed


def test_bad_input_is_refused_and_stored_answers_are_kept(db, exam_factory, make_user):
    exam, rep, other = exam_factory(), make_user(), make_user()
    attempt, foreign = start(exam, rep), start(exam, other, seed=5)
    slots = paper_of(attempt.id)
    choice = next(s for s in slots if s.question.type == "single")
    attempts.save_answers(attempt, {choice.id: answer_for(choice)}, clock.now())
    db.session.commit()
    with pytest.raises(UnknownQuestion):
        attempts.save_answers(attempt, {paper_of(foreign.id)[0].id: "a", choice.id: "b"}, clock.now())
    db.session.rollback()
    with pytest.raises(UnknownQuestion):
        attempts.save_answers(attempt, {"not-a-number": "a"}, clock.now())
    db.session.rollback()
    report = attempts.save_answers(attempt, {choice.id: "z"}, clock.now())
    assert report.errors[choice.id] == "所选选项不属于这道题。"
    # the bank's own keys are not values the page accepts: only this paper's tokens are
    for key in choice.option_order:
        report = attempts.save_answers(attempt, {choice.id: key}, clock.now())
        assert report.errors[choice.id] == "所选选项不属于这道题。"
    # another slot's tokens are refused too
    other_slot = next(s for s in slots if s.question.type == "single" and s.id != choice.id)
    report = attempts.save_answers(attempt, {choice.id: answer_for(other_slot)}, clock.now())
    assert report.errors[choice.id] == "所选选项不属于这道题。"
    two = list(options.tokens_for(attempt.id, choice.id, choice.option_order).values())[:2]
    report = attempts.save_answers(attempt, {choice.id: two}, clock.now())
    assert "只能选一个" in report.errors[choice.id]
    db.session.commit()
    db.session.refresh(choice)
    right = next(c.key for c in choice.question.choices if c.correct)
    assert choice.response == {"choices": [right]}  # stored as the bank key, graded as before


def test_non_numeric_answer_to_numeric_question(db, app, exam_factory, make_user):
    from lms.exams.definitions import Draw

    exam = exam_factory(draws=(Draw(count=5, points=Decimal(10), clause="2.4"),))
    rep = make_user()
    attempt = start(exam, rep)
    numeric = [s for s in paper_of(attempt.id) if s.question.type == "numeric"]
    slot = numeric[0]
    attempts.save_answers(attempt, {slot.id: "84"}, clock.now())
    report = attempts.save_answers(attempt, {slot.id: "八十四"}, clock.now())
    assert "请填写数字" in report.errors[slot.id]
    db.session.commit()
    db.session.refresh(slot)
    assert slot.response == {"text": "84"}


def test_after_deadline_plus_grace_answers_are_refused_and_the_attempt_is_graded(
    db, exam_factory, make_user, frozen_now
):
    exam, rep = exam_factory(), make_user()
    attempt = start(exam, rep)
    slot = paper_of(attempt.id)[0]
    attempts.save_answers(attempt, {slot.id: answer_for(slot)}, clock.now())
    db.session.commit()
    frozen_now(minutes=60, seconds=20)  # inside the 30 s grace
    attempts.save_answers(attempt, {slot.id: answer_for(slot)}, clock.now())
    db.session.commit()
    frozen_now(seconds=15)
    with pytest.raises(AttemptFinished):
        attempts.save_answers(attempt, {slot.id: answer_for(slot, right=False)}, clock.now())
    db.session.commit()
    db.session.refresh(attempt)
    assert attempt.status == "finished" and attempt.finish_reason == "deadline"
    assert attempts.current_result(attempt).score == Decimal(10)


def test_close_overdue_command(app, runner, db, exam_factory, make_user, frozen_now):
    exam = exam_factory()
    for rep in (make_user(), make_user()):
        start(exam, rep)
    db.session.commit()
    result = runner.invoke(args=["exams", "close-overdue"])
    assert "已自动交卷 0 份" in result.output
    frozen_now(hours=2)
    result = runner.invoke(args=["exams", "close-overdue"])
    assert result.exit_code == 0 and "已自动交卷 2 份" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(AttemptResult.id))) == 2
        assert set(db.session.scalars(select(ExamAttempt.finish_reason))) == {"deadline"}


def test_submit_twice_keeps_one_result(db, exam_factory, make_user):
    exam, rep = exam_factory(), make_user()
    attempt = start(exam, rep)
    first = attempts.finish_attempt(attempt, clock.now())
    second = attempts.finish_attempt(attempt, clock.now())
    db.session.commit()
    assert first.id == second.id
    assert db.session.scalar(select(func.count(AttemptResult.id))) == 1
