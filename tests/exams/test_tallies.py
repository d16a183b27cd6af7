"""Item-analysis tallies kept as results are written give the numbers of `analysis.analyse`."""

import random
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from lms.exams import analysis, tallies
from lms.extensions import db as _db
from lms.models import (
    AttemptResult,
    ExamAttempt,
    ExamItemCell,
    ExamItemTally,
    ExamOptionTally,
    ExamScoreCell,
    Question,
    User,
    utcnow,
)

from .exam_support import *  # noqa: F401,F403

FRACTIONS = ["0", "1", "0.5", "0.33333", "0.2"]
SCORES = [Decimal(s) for s in ("0", "33.33", "40", "59.99", "60", "79.99", "80", "80", "80.5", "92", "100")]


def _random_items(rng, questions):
    items = []
    for qid, qtype in rng.sample(questions, 8):
        if qtype == "true_false":
            chosen = rng.choice(["true", "false", ""])
        elif qtype in ("single", "multiple"):
            chosen = "".join(sorted(rng.sample("abcd", rng.randint(0, 2))))
        else:
            chosen = ""
        fraction = rng.choice(FRACTIONS)
        items.append([qid, fraction, fraction, chosen, rng.random() < 0.05])
    return items


def _write(rng, exam_id, attempt_id, user_id, questions, previous=None):
    """Add a result (a regrade when `previous` is given) and record it in the tallies, as the services do."""
    result = AttemptResult(
        attempt_id=attempt_id,
        exam_id=exam_id,
        user_id=user_id,
        sequence=previous.sequence + 1 if previous else 1,
        score=rng.choice(SCORES),
        points_awarded=0,
        points_possible=100,
        passed=False,
        breakdown={},
        items=_random_items(rng, questions),
        reason="regrade" if previous else "submitted",
        graded_at=utcnow(),
        supersedes_id=previous.id if previous else None,
    )
    _db.session.add(result)
    _db.session.flush()
    tallies.record(result, previous)
    return result


def _snapshot(exam_id):
    """The tally rows with a non-zero count, as plain tuples."""
    return (
        sorted(
            (r.question_id, r.bucket, r.answered, r.credit)
            for r in _db.session.scalars(select(ExamItemTally).where(ExamItemTally.exam_id == exam_id))
            if r.answered or r.credit
        ),
        sorted(
            (r.question_id, r.option, r.chosen)
            for r in _db.session.scalars(select(ExamOptionTally).where(ExamOptionTally.exam_id == exam_id))
            if r.chosen
        ),
        sorted(
            (r.score, r.block, r.question_id, r.answered, r.credit)
            for r in _db.session.scalars(select(ExamItemCell).where(ExamItemCell.exam_id == exam_id))
            if r.answered or r.credit
        ),
        sorted(
            (r.score, r.block, r.attempts)
            for r in _db.session.scalars(select(ExamScoreCell).where(ExamScoreCell.exam_id == exam_id))
            if r.attempts
        ),
    )


@pytest.mark.parametrize("block", [4, 1024])  # cells of a few attempt ids, or one cell per score
@pytest.mark.parametrize("count", [1, 2, 3, 7, 12, 20, 40, 150])  # boundary cells read from either end
def test_tallies_equal_the_plain_definition_with_regrades(app, exam_factory, monkeypatch, count, block):
    monkeypatch.setattr(tallies, "BLOCK", block)
    monkeypatch.setattr(analysis, "_cache", {})  # ids and counts repeat from one test database to the next
    rng = random.Random(count)
    exam = exam_factory()
    with app.app_context():
        questions = [
            tuple(row)
            for row in _db.session.execute(select(Question.id, Question.type).order_by(Question.id).limit(12))
        ]
        _db.session.execute(
            insert(User),
            [
                {"employee_no": f"T{n:04d}", "name": f"员工{n}", "email": f"t{n}@example.com", "active": True}
                for n in range(count)
            ],
        )
        user_ids = _db.session.scalars(select(User.id).where(User.employee_no.like("T%")).order_by(User.id)).all()
        now = utcnow()
        _db.session.execute(
            insert(ExamAttempt),
            [
                {
                    "exam_id": exam.id,
                    "user_id": uid,
                    "number": 1,
                    "status": "finished",
                    "started_at": now,
                    "deadline_at": now,
                    "finished_at": now,
                    "finish_reason": "submitted",
                }
                for uid in user_ids
            ],
        )
        current = {}
        for attempt_id, user_id in _db.session.execute(
            select(ExamAttempt.id, ExamAttempt.user_id).where(ExamAttempt.exam_id == exam.id)
        ):
            current[attempt_id] = _write(rng, exam.id, attempt_id, user_id, questions)
        for _ in range(count):  # regrades, some attempts twice or more
            attempt_id = rng.choice(list(current))
            current[attempt_id] = _write(
                rng, exam.id, attempt_id, current[attempt_id].user_id, questions, current[attempt_id]
            )
        _db.session.commit()

        plain = analysis.analyse([(float(r.score), r.items) for r in current.values()])
        kept = tallies.read(exam.id)
        assert kept.keys() == plain.keys()
        for qid, item in plain.items():
            answered, facility, discrimination, options = kept[qid]
            assert (answered, options) == (item.answered, item.options)
            assert facility == pytest.approx(item.facility, rel=1e-12, abs=1e-12)
            assert discrimination == pytest.approx(item.discrimination, rel=1e-12, abs=1e-12)
        shown = {item.question_id: item for item in analysis.item_analysis(_db.session.get(type(exam), exam.id))}
        assert shown.keys() == plain.keys()
        assert all(shown[qid].flags == item.flags for qid, item in plain.items())

        incremental = _snapshot(exam.id)
        assert tallies.rebuild(exam.id) == count
        assert _snapshot(exam.id) == incremental


def test_submitted_results_keep_the_page_equal_to_the_definition(app, exam_factory, make_user, monkeypatch):
    monkeypatch.setattr(analysis, "_cache", {})
    from .test_manage_and_appeals import _sit

    exam = exam_factory()
    people = [make_user() for _ in range(5)]
    with app.app_context():
        for index, person in enumerate(people):
            _sit(exam, person, right_count=2 * index, seed=index)
        current = [(float(score), items) for score, items in analysis._current_results_ranked(exam)]
        plain = analysis.analyse(current)
        shown = {item.question_id: item for item in analysis.item_analysis(exam)}
        assert {qid: (s.answered, round(s.facility, 12), round(s.discrimination, 12)) for qid, s in shown.items()} == {
            qid: (s.answered, round(s.facility, 12), round(s.discrimination, 12)) for qid, s in plain.items()
        }


def test_rebuild_tallies_command(app, runner, exam_factory):
    exam_factory()
    result = runner.invoke(args=["exams", "rebuild-tallies"])
    assert result.exit_code == 0 and "T-1：按 0 份当前成绩重算" in result.output
    missing = runner.invoke(args=["exams", "rebuild-tallies", "--exam", "nope"])
    assert missing.exit_code != 0 and "没有编号为 nope 的考试" in missing.output
