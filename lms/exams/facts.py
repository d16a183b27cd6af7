"""Exam results in the development-incentive record (issue 14, 2): one `exam_graded` fact per attempt.

The grading path calls `record_result` for a first grade (submit, deadline,
close_overdue) and `record_regrades` for the new results of an accepted
appeal; both run in the transaction that stores the result, so the result
and its fact commit together or not at all. A regrade's fact supersedes the
attempt's earlier one. Level quizzes of skill tracks are not exam facts:
their results go to `lms.tracks.service.level_quiz_graded`, which records
them as evidence of a skill level.

`expected_facts` is this package's provider for `lms record rebuild --check`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, literal, or_, select
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.models import AttemptResult, Exam, ExamAdjustment, ExamAttempt, FactKind
from lms.record import service as record

FACT_KINDS = (FactKind.EXAM_GRADED,)
LEVEL_QUIZ = "level_quiz"
CENTS = Decimal("0.01")


def _kind_column():
    # Helper A adds Exam.kind for skill-track level quizzes; until then every exam is quarterly.
    column = getattr(Exam, "kind", None)
    return column if column is not None else literal("quarterly")


def source_of(attempt_id: int) -> str:
    """The ledger source of an attempt's facts."""
    return f"exam_attempt:{attempt_id}"


def graded_payload(
    *,
    exam_key: str,
    exam_title: str,
    quarter: str,
    attempt_number: int,
    score,
    passed: bool,
    pass_mark,
    result_id: int,
    reason: str,
) -> dict:
    """The payload of an exam_graded fact (/tmp/facts_contract.md): amounts as Decimal with two places."""
    return {
        "exam": exam_key,
        "exam_title": exam_title,
        "quarter": quarter,
        "attempt": int(attempt_number),
        "score": Decimal(score).quantize(CENTS),
        "passed": bool(passed),
        "pass_mark": Decimal(pass_mark).quantize(CENTS),
        "result_id": int(result_id),
        "reason": str(reason),
    }


def _graded_fact(row, result_id: int, user_id: int, score, passed, reason, graded_at: datetime, by: int | None):
    return record.NewFact(
        FactKind.EXAM_GRADED,
        subject_id=user_id,
        source=source_of(row.attempt_id),
        occurred_at=graded_at,
        payload=graded_payload(
            exam_key=row.key,
            exam_title=row.title,
            quarter=row.quarter,
            attempt_number=row.number,
            score=score,
            passed=passed,
            pass_mark=row.pass_mark,
            result_id=result_id,
            reason=reason,
        ),
        recorded_by_id=by,
    )


def attempts_statement(kind_column):
    """What a fact needs to know about a set of attempts (bound as "ids") and their exams."""
    return (
        select(
            ExamAttempt.id.label("attempt_id"),
            ExamAttempt.number,
            Exam.key,
            Exam.title,
            Exam.quarter,
            Exam.pass_mark,
            kind_column.label("exam_kind"),
        )
        .join(Exam, ExamAttempt.exam_id == Exam.id)
        .where(ExamAttempt.id.in_(bindparam("ids", expanding=True)))
    )


_ATTEMPTS = attempts_statement(_kind_column())


def record_result(result: AttemptResult) -> None:
    """Record a stored (flushed) first result: an exam_graded fact, or the level quiz's skill evidence.

    Call it last in the grading transaction (the ledger's append turn is held
    until the commit).
    """
    row = db.session.execute(_ATTEMPTS, {"ids": [result.attempt_id]}).one()
    if row.exam_kind == LEVEL_QUIZ:
        _level_quiz_graded([result])
        return
    record.record_current(
        [
            _graded_fact(
                row, result.id, result.user_id, result.score, result.passed, result.reason, result.graded_at, None
            )
        ]
    )


def record_regrades(results: list[AttemptResult], adjustment_id: int | None) -> None:
    """Record the new results of a regrade (inserted without the ORM): each supersedes its attempt's fact.

    Sets each result's `id` (read back by attempt and sequence), so that the
    facts and the level-quiz hook can name it. The person who recorded them is
    the HR officer whose appeal decision made the adjustment.
    """
    if not results:
        return
    attempt_ids = [result.attempt_id for result in results]
    ids = {
        (attempt_id, sequence): result_id
        for result_id, attempt_id, sequence in db.session.execute(
            select(AttemptResult.id, AttemptResult.attempt_id, AttemptResult.sequence).where(
                AttemptResult.attempt_id.in_(attempt_ids)
            )
        )
    }
    for result in results:
        result.id = ids[(result.attempt_id, result.sequence)]
    by = None
    if adjustment_id is not None:
        by = db.session.scalar(select(ExamAdjustment.created_by_id).where(ExamAdjustment.id == adjustment_id))
    rows = {row.attempt_id: row for row in db.session.execute(_ATTEMPTS, {"ids": attempt_ids})}
    quizzes = [result for result in results if rows[result.attempt_id].exam_kind == LEVEL_QUIZ]
    if quizzes:
        _level_quiz_graded(quizzes)
    record.record_current(
        _graded_fact(rows[r.attempt_id], r.id, r.user_id, r.score, r.passed, r.reason, r.graded_at, by)
        for r in results
        if rows[r.attempt_id].exam_kind != LEVEL_QUIZ
    )


def _level_quiz_graded(results: Iterable[AttemptResult]) -> None:
    # Imported here: the tracks package depends on exams, not the other way round.
    from lms.tracks import service as tracks_service

    for result in results:
        tracks_service.level_quiz_graded(result)


def expected_facts() -> Iterator[dict]:
    """For `lms record rebuild --check`: the exam_graded fact each attempt's current result calls for."""
    later = aliased(AttemptResult)
    stmt = (
        select(
            AttemptResult.id,
            AttemptResult.attempt_id,
            AttemptResult.user_id,
            AttemptResult.score,
            AttemptResult.passed,
            AttemptResult.reason,
            AttemptResult.graded_at,
            ExamAttempt.number,
            Exam.key,
            Exam.title,
            Exam.quarter,
            Exam.pass_mark,
        )
        .join(ExamAttempt, AttemptResult.attempt_id == ExamAttempt.id)
        .join(Exam, AttemptResult.exam_id == Exam.id)
        .where(
            ~select(later.id).where(later.supersedes_id == AttemptResult.id).exists(),
            or_(_kind_column().is_(None), _kind_column() != LEVEL_QUIZ),
        )
        .order_by(AttemptResult.id)
    )
    for row in db.session.execute(stmt.execution_options(yield_per=2000)):
        fact = _graded_fact(row, row.id, row.user_id, row.score, row.passed, row.reason, row.graded_at, None)
        yield {
            "kind": FactKind.EXAM_GRADED,
            "subject_id": fact.subject_id,
            "source": fact.source,
            "occurred_at": fact.occurred_at,
            "payload": fact.payload,
        }
