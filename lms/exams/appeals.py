"""Appeals (7.4): a rep appeals one question within 5 working days of the result; HR decides
within 10 working days; an accepted appeal regrades every attempt that had the question.

Working days are lms.clock's: China's statutory holidays and make-up working
days (调休, chinese-calendar) with the company's own days from configuration.
Days count from the local date (LMS_TIMEZONE) of the publication or filing: a
result published Wednesday 03:08 Beijing time counts from Wednesday, although
it is still Tuesday in UTC.
Every decision is a fact (who, what, when, why), and so is every regrade: a
new AttemptResult pointing at the one it supersedes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import clock, question_types
from lms.audit import service as audit
from lms.exams import tallies
from lms.exams.attempts import current_result, regrade_attempts
from lms.exams.errors import AppealError
from lms.extensions import db
from lms.models import (
    Appeal,
    AppealDecision,
    AttemptQuestion,
    AttemptResult,
    AttemptStatus,
    AuditAction,
    ExamAdjustment,
    ExamAttempt,
    Question,
    User,
)

FILE_WITHIN = 5
DECIDE_WITHIN = 10
OUTCOMES = {"rejected": "驳回", "void": "作废该题（不计分，按其余题目折算为百分制）", "accept": "接受另一答案"}


def published_on(attempt: ExamAttempt) -> date | None:
    """The local date (LMS_TIMEZONE) the attempt's first result was published (graded)."""
    first = db.session.scalars(
        select(AttemptResult).where(AttemptResult.attempt_id == attempt.id, AttemptResult.sequence == 1)
    ).first()
    return clock.local_date(first.graded_at) if first else None


def appeal_deadline(attempt: ExamAttempt) -> date | None:
    """The last local day the rep may appeal this attempt's result: 5 working days after publication.

    Raises clock.CalendarUnknown for a year the working-day calendar does not cover.
    """
    published = published_on(attempt)
    return clock.add_working_days(published, FILE_WITHIN) if published else None


def appeal_window(attempt: ExamAttempt) -> tuple[date | None, str]:
    """(last day to appeal, problem): the problem is the calendar's Chinese message when it cannot tell."""
    try:
        return appeal_deadline(attempt), ""
    except clock.CalendarUnknown as error:
        return None, str(error)


def file_appeal(attempt: ExamAttempt, user: User, position: int, reason: str, now: datetime) -> Appeal:
    """Record an appeal against the question at `position` of the person's finished attempt.

    Raises AppealError (with the form field) when the attempt is not theirs
    or not graded, the window has passed, the question is not on the paper,
    the reason is too short, this question was already appealed, or the
    working-day calendar does not cover the days the windows need.
    """
    result = current_result(attempt)
    if attempt.user_id != user.id or result is None:
        raise AppealError("只能对自己已评分的考试提出申诉。")
    try:
        last_day = appeal_deadline(attempt)
        decide_by = clock.add_working_days(clock.local_date(now), DECIDE_WITHIN)
    except clock.CalendarUnknown as error:
        # No guessed deadline: the rep is told, and the operator must add the year's schedule.
        raise AppealError(f"暂时无法受理申诉：{error}") from error
    if clock.local_date(now) > last_day:
        raise AppealError(f"申诉期已过：成绩公布后 {FILE_WITHIN} 个工作日内（截至 {last_day}）可以申诉。")
    slot = db.session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == position)
    ).first()
    if slot is None:
        raise AppealError("试卷中没有这道题。", "position")
    if len((reason or "").strip()) < 5:
        raise AppealError("请写明申诉理由（至少 5 个字）。", "reason")
    appeal = Appeal(
        attempt_id=attempt.id,
        exam_id=attempt.exam_id,
        user_id=user.id,
        question_id=slot.question_id,
        result_sequence=result.sequence,
        reason=reason.strip(),
        created_at=now,
        decide_by=decide_by,
    )
    try:
        with db.session.begin_nested():
            db.session.add(appeal)
            db.session.flush()
    except IntegrityError:
        raise AppealError("您已对这道题提出过申诉。", "position") from None
    return appeal


def open_appeals() -> list[Appeal]:
    """Appeals without a decision, oldest first."""
    return list(db.session.scalars(select(Appeal).where(~Appeal.decision.has()).order_by(Appeal.created_at)))


def decide_appeal(
    appeal: Appeal,
    hr: User,
    outcome: str,
    note: str,
    now: datetime,
    accepted: str = "",
    origin: audit.Origin | None = None,
) -> int:
    """Record HR's decision; for "void" or "accept" add the adjustment and regrade.

    Returns how many attempts got a new result. Raises AppealError for an
    unknown outcome, a missing note, an invalid accepted answer or an
    appeal already decided (also when two HR officers decide at once).
    """
    if outcome not in OUTCOMES:
        raise AppealError("请选择处理结果。", "outcome")
    if len((note or "").strip()) < 2:
        raise AppealError("请写明处理理由。", "note")
    question = db.session.get(Question, appeal.question_id)
    accepted_spec = _accepted_spec(question, accepted) if outcome == "accept" else None
    decision = AppealDecision(
        appeal_id=appeal.id,
        outcome=outcome,
        note=note.strip(),
        decided_by_id=hr.id,
        decided_at=now,
        late=clock.local_date(now) > appeal.decide_by,
    )
    try:
        with db.session.begin_nested():
            db.session.add(decision)
            db.session.flush()
    except IntegrityError:
        raise AppealError("这项申诉已经处理过了。") from None
    audit.record(
        AuditAction.APPEAL_DECIDED,
        actor=hr,
        subject_id=appeal.user_id,
        object_ref=f"appeal:{appeal.id}",
        origin=origin,
        details={"outcome": outcome, "outcome_label": OUTCOMES[outcome], "note": note.strip()},
    )
    if outcome == "rejected":
        return 0
    adjustment = ExamAdjustment(
        exam_id=appeal.exam_id,
        question_id=appeal.question_id,
        kind=outcome,
        accepted=accepted_spec,
        decision_id=decision.id,
        created_by_id=hr.id,
        created_at=now,
    )
    db.session.add(adjustment)
    db.session.flush()
    return regrade_question(appeal.exam_id, appeal.question_id, adjustment, now)


def _accepted_spec(question: Question, accepted: str) -> dict:
    text = (accepted or "").strip()
    if not text:
        raise AppealError("请填写要接受的答案。", "accepted")
    try:
        return question_types.get(question.type).accepted_from_text(text, [c.key for c in question.choices])
    except question_types.InvalidAnswer as error:
        raise AppealError(str(error), "accepted") from None


def regrade_question(exam_id: int, question_id: int, adjustment: ExamAdjustment, now: datetime) -> int:
    """Add a new result for every finished attempt of the exam whose paper had the question.

    A fixed number of statements however many attempts regrade (attempts.regrade_attempts).
    """
    attempt_ids = list(
        db.session.scalars(
            select(ExamAttempt.id)
            .join(AttemptQuestion, AttemptQuestion.attempt_id == ExamAttempt.id)
            .where(
                ExamAttempt.exam_id == exam_id,
                ExamAttempt.status == AttemptStatus.FINISHED,
                AttemptQuestion.question_id == question_id,
            )
            .order_by(ExamAttempt.id)
        )
    )
    pairs = regrade_attempts(exam_id, attempt_ids, now, adjustment_id=adjustment.id)
    db.session.flush()
    tallies.record_many(exam_id, pairs)
    return len(pairs)


def appeals_of(attempt: ExamAttempt) -> list[Appeal]:
    """The appeals filed on an attempt, with their decisions."""
    return list(db.session.scalars(select(Appeal).where(Appeal.attempt_id == attempt.id).order_by(Appeal.id)))
