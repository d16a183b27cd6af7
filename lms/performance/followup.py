"""7.4's follow-up of a grade: the 绩效面谈, appeals, and the flags HR and managers act on.

- The manager records the 绩效面谈 within 3 working days of the grade's
  publication, with the agreed improvement plan; a later one is flagged.
- The employee may appeal within 5 working days of the grade's latest
  publication (a correction publishes it again); HR decides within 10
  working days of the filing, and a later decision is flagged. An accepted
  appeal corrects the grade: new values and a new `performance_grade` fact
  superseding the previous one.
- Two consecutive D grades (the same kind of period, one after the other) are
  flagged to HR.

Working days are lms.clock's, the calendar exam appeals use. A day outside
the calendar's years raises clock.CalendarUnknown: a deadline is then shown
as unknown, with the calendar's message, and filing is refused, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms import clock
from lms.domain import DomainError
from lms.extensions import db
from lms.models import GradeAppeal, GradeAppealOutcome, PerformanceGrade, PerformanceReview, User
from lms.performance import grade_file, plans
from lms.performance.grades import record_grade_fact

REVIEW_WITHIN = 3
APPEAL_WITHIN = 5
DECIDE_WITHIN = 10
PLAN_MAX = 4000
OUTCOME_LABELS = {GradeAppealOutcome.ACCEPTED: "受理并更正", GradeAppealOutcome.REJECTED: "驳回"}


class FollowUpError(DomainError):
    """A 面谈 or appeal that cannot be recorded as given."""


def review_due(grade: PerformanceGrade) -> date:
    """The last local day for the 绩效面谈: 3 working days after publication (may raise CalendarUnknown)."""
    return clock.add_working_days(grade.published_on, REVIEW_WITHIN)


def appeal_opened_on(grade: PerformanceGrade) -> date:
    """The local day the grade's appeal window counts from: its latest publication."""
    return max(grade.published_on, clock.local_date(grade.changed_at))


def appeal_deadline(grade: PerformanceGrade) -> date:
    """The last local day to appeal: 5 working days after the latest publication (may raise CalendarUnknown)."""
    return clock.add_working_days(appeal_opened_on(grade), APPEAL_WITHIN)


def deadline_or_problem(deadline, grade) -> tuple[date | None, str]:
    """(deadline, "") or (None, the calendar's Chinese message) when the calendar does not cover the days."""
    try:
        return deadline(grade), ""
    except clock.CalendarUnknown as error:
        return None, str(error)


def record_review(grade: PerformanceGrade, manager: User, held_on: date, plan: str, now: datetime) -> PerformanceReview:
    """Record the 绩效面谈 of `grade` by the person's manager, with the agreed improvement plan.

    Raises FollowUpError when `manager` is not the person's manager, the
    面谈 is already recorded, the date is before publication or in the
    future, the plan is missing or too long, or the calendar cannot give
    the deadline. Flushes.
    """
    person = grade.user
    if person.manager_id != manager.id:
        raise FollowUpError("只有该员工的直属主管可以登记绩效面谈。")
    if grade.review is not None:
        raise FollowUpError("这次绩效面谈已经登记过了。")
    if held_on < grade.published_on or held_on > clock.local_date(now):
        raise FollowUpError(f"面谈日期应在 {grade.published_on} 与今天之间。", "held_on")
    text = (plan or "").strip()
    if len(text) < 5:
        raise FollowUpError("请写明双方商定的改进计划（至少 5 个字）。", "plan")
    if len(text) > PLAN_MAX:
        raise FollowUpError(f"改进计划不能超过 {PLAN_MAX} 个字。", "plan")
    try:
        due = review_due(grade)
    except clock.CalendarUnknown as error:
        raise FollowUpError(f"暂时无法登记：{error}") from error
    review = PerformanceReview(
        grade_id=grade.id,
        manager_id=manager.id,
        held_on=held_on,
        due_on=due,
        late=held_on > due,
        plan=text,
        recorded_at=now,
    )
    _insert_once(review, grade, "这次绩效面谈已经登记过了。")
    return review


def file_appeal(grade: PerformanceGrade, user: User, reason: str, now: datetime) -> GradeAppeal:
    """The employee appeals their own grade within 5 working days of its latest publication.

    Raises FollowUpError for another person's grade, a second appeal, a
    passed window, a missing reason, or days the calendar does not cover
    (the appeal is refused rather than given a guessed deadline). Flushes.
    """
    if grade.user_id != user.id:
        raise FollowUpError("只能对自己的绩效等级提出申诉。")
    if grade.appeal is not None:
        raise FollowUpError("您已对这个等级提出过申诉。")
    text = (reason or "").strip()
    if len(text) < 5:
        raise FollowUpError("请写明申诉理由（至少 5 个字）。", "reason")
    if len(text) > PLAN_MAX:
        raise FollowUpError(f"申诉理由不能超过 {PLAN_MAX} 个字。", "reason")
    today = clock.local_date(now)
    try:
        last_day = appeal_deadline(grade)
        decide_by = clock.add_working_days(today, DECIDE_WITHIN)
    except clock.CalendarUnknown as error:
        raise FollowUpError(f"暂时无法受理申诉：{error}") from error
    if today > last_day:
        raise FollowUpError(f"申诉期已过：等级公布后 {APPEAL_WITHIN} 个工作日内（截至 {last_day}）可以申诉。")
    appeal = GradeAppeal(grade_id=grade.id, user_id=user.id, reason=text, filed_at=now, decide_by=decide_by)
    _insert_once(appeal, grade, "您已对这个等级提出过申诉。")
    return appeal


def _insert_once(row, grade: PerformanceGrade, message: str) -> None:
    """Insert a row that exists once per grade; a second one (two tabs at once) is told, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise FollowUpError(message) from None
    db.session.expire(grade, ["review", "appeal"])  # the grade's one-to-one links now point at the new row


@dataclass(frozen=True)
class Correction:
    """The values an accepted appeal sets (as parsed from HR's form)."""

    score: str = ""
    grade: str = ""


def decide_appeal(
    appeal: GradeAppeal, hr: User, outcome: str, note: str, now: datetime, correction: Correction | None = None
) -> GradeAppeal:
    """HR's decision; an accepted appeal corrects the grade (new values, a superseding fact, the PIP in step).

    Raises FollowUpError for a decided appeal, an unknown outcome, a
    missing note, or, when accepting, values that are invalid, disagree
    with 7.2.2 or change nothing. The fact is the transaction's last write.
    """
    if appeal.outcome is not None:
        raise FollowUpError("这项申诉已经处理过了。")
    try:
        outcome = GradeAppealOutcome(outcome)
    except ValueError:
        raise FollowUpError("请选择处理结果。", "outcome") from None
    text = (note or "").strip()
    if len(text) < 2:
        raise FollowUpError("请写明处理理由。", "note")
    if len(text) > PLAN_MAX:
        raise FollowUpError(f"处理理由不能超过 {PLAN_MAX} 个字。", "note")
    grade = appeal.grade
    values = _corrected_values(grade, correction or Correction()) if outcome == GradeAppealOutcome.ACCEPTED else None
    appeal.outcome = outcome.value
    appeal.note = text
    appeal.decided_by_id = hr.id
    appeal.decided_at = now
    appeal.decided_late = clock.local_date(now) > appeal.decide_by
    if values is None:
        db.session.flush()
        return appeal
    grade.score, grade.grade = values
    grade.changed_at = now
    grade.changed_by_id = hr.id
    grade.reason = f"申诉 #{appeal.id} 受理：{text}"[:500]
    db.session.flush()
    plans.sync_plan(grade, now)
    db.session.flush()
    record_grade_fact(grade, hr)
    return appeal


def _corrected_values(grade: PerformanceGrade, correction: Correction):
    """(score, grade) from HR's correction, checked as an import row is."""
    positions = {"employee_no": 0, "period": 1, "score": 2, "grade": 3}
    cells = [grade.user.employee_no, grade.period, correction.score.strip(), correction.grade.strip()]
    try:
        row = grade_file.parse_row(0, cells, positions)
    except ValueError as error:
        raise FollowUpError(str(error), "score") from None
    if (row.score, row.grade) == (grade.score, grade.grade):
        raise FollowUpError("更正后的总分与等级与原来相同：若不更正，请选择驳回。", "score")
    return row.score, row.grade


# --- flags ---------------------------------------------------------------------------------------


def grades_for_review(condition: ColumnElement[bool]):
    """A select of the grades of people matching `condition` (on User), newest first, with person and 面谈 loaded."""
    return (
        select(PerformanceGrade)
        .join(User, User.id == PerformanceGrade.user_id)
        .where(condition)
        .options(selectinload(PerformanceGrade.review), selectinload(PerformanceGrade.user))
        .order_by(PerformanceGrade.published_on.desc(), PerformanceGrade.id.desc())
    )


def review_state(grade: PerformanceGrade, review: PerformanceReview | None, today: date) -> tuple[str, date | None]:
    """("done" | "late" | "overdue" | "open" | "unknown", the due day): what the list shows for a 面谈."""
    if review is not None:
        return ("late" if review.late else "done"), review.due_on
    due, problem = deadline_or_problem(review_due, grade)
    if problem:
        return "unknown", None
    return ("overdue" if today > due else "open"), due


def previous_period(period: str, kind: str) -> str:
    """The period just before `period` of the same kind: 2026-Q1 → 2025-Q4, 2026-01 → 2025-12, 2026 → 2025."""
    year = int(period[:4])
    if kind == "quarter":
        quarter = int(period[-1])
        return f"{year}-Q{quarter - 1}" if quarter > 1 else f"{year - 1}-Q4"
    if kind == "month":
        month = int(period[5:])
        return f"{year}-{month - 1:02d}" if month > 1 else f"{year - 1}-12"
    return str(year - 1)


@dataclass(frozen=True)
class ConsecutiveD:
    """Two D grades of one person in consecutive periods (7.2.2: 连续两次 D 触发淘汰机制, HR decides)."""

    user: User
    earlier: PerformanceGrade
    later: PerformanceGrade


def consecutive_d() -> list[ConsecutiveD]:
    """Every pair of consecutive D grades, latest first (D grades are few: ≤10% by target)."""
    grades = list(
        db.session.scalars(
            select(PerformanceGrade).where(PerformanceGrade.grade == "D").order_by(PerformanceGrade.period.desc())
        )
    )
    by_key = {(grade.user_id, grade.period): grade for grade in grades}
    pairs = []
    for grade in grades:
        earlier = by_key.get((grade.user_id, previous_period(grade.period, grade.period_kind)))
        if earlier is not None and earlier.period_kind == grade.period_kind:
            pairs.append(ConsecutiveD(grade.user, earlier, grade))
    return pairs
