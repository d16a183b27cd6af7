"""Onboarding status: due dates, progress, and who is late.

The due date is the hire date plus the program's months (one by default,
5.1(3)); a month is a calendar month, so 1月31日 is due 2月28日 (or 29日).
"Today" is the caller's `clock.today()`, the local day in LMS_TIMEZONE.

The program is for new hires only: people hired before it started applying
(ONBOARDING_APPLIES_FROM) and people HR exempted are outside it. They have no
due date, so nothing (team page, dashboard, reminders, CSV) counts them late.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload

from lms.access import followed_by
from lms.extensions import db
from lms.models import Lesson, LessonProgress, User
from lms.onboarding.program import OnboardingProgram


def add_months(start: date, months: int) -> date:
    """`start` plus whole calendar months, clamped to the end of a shorter month."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class OnboardingScopeError(ValueError):
    """ONBOARDING_APPLIES_FROM is not a date."""


def parse_applies_from(value) -> date | None:
    """ONBOARDING_APPLIES_FROM as a date; None or "" applies the program to every hire date."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise OnboardingScopeError(
            f"ONBOARDING_APPLIES_FROM={value!r} 不是日期，应写作 2026-01-01 这样的 ISO 日期"
        ) from error


def exemption_for(person: User, applies_from: date | None) -> str | None:
    """Why the new-hire program does not apply to `person` (shown to followers), or None when it does."""
    if person.onboarding_exempt:
        reason = (person.onboarding_exempt_reason or "").strip()
        return f"人事豁免：{reason}" if reason else "人事豁免"
    if applies_from is not None and person.hire_date is not None and person.hire_date < applies_from:
        return f"入职早于培训计划（{applies_from.isoformat()} 起入职者适用）"
    return None


@dataclass(frozen=True)
class OnboardingStatus:
    person: User
    due_date: date | None  # None without a hire date, or outside the program
    done: int
    total: int
    today: date
    # Why the program does not apply (HR exemption, hired before it started); None when it does.
    exemption: str | None = None

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def days_left(self) -> int | None:
        return (self.due_date - self.today).days if self.due_date else None

    @property
    def overdue(self) -> bool:
        return not self.complete and self.due_date is not None and self.today > self.due_date

    @property
    def state(self) -> str:
        if self.complete:
            return "已完成"
        if self.exemption is not None:
            return "已豁免" if self.person.onboarding_exempt else "不适用"
        if self.due_date is None:
            return "未登记入职日期"
        return "已逾期" if self.overdue else "进行中"


def due_date_for(person: User, program: OnboardingProgram) -> date | None:
    """Hire date + the program's months (5.1(3)); None while no hire date is on record."""
    return add_months(person.hire_date, program.due_months) if person.hire_date else None


def _status(
    person: User, program: OnboardingProgram, today: date, applies_from: date | None, done: int, total: int
) -> OnboardingStatus:
    exemption = exemption_for(person, applies_from)
    due_date = None if exemption is not None else due_date_for(person, program)
    return OnboardingStatus(person=person, due_date=due_date, done=done, total=total, today=today, exemption=exemption)


def program_lesson_ids(program: OnboardingProgram) -> list[int]:
    """Database ids of the program's active lessons, in program order."""
    rows = db.session.execute(
        select(Lesson.clause_id, Lesson.id).where(Lesson.clause_id.in_(program.clause_ids), Lesson.retired_at.is_(None))
    ).all()
    by_clause = dict(rows)
    return [by_clause[clause] for clause in program.clause_ids if clause in by_clause]


def statuses_for(
    people: list[User], program: OnboardingProgram, today: date, applies_from: date | None = None
) -> list[OnboardingStatus]:
    """Onboarding status of each person, overdue first, then by due date, people outside the program last.

    `applies_from` is ONBOARDING_APPLIES_FROM: people hired before it are outside the program.

    Two queries whatever the number of people: the program's lessons, and one
    grouped count of completions for all of them.
    """
    lesson_ids = program_lesson_ids(program)
    done_by_person: dict[int, int] = {}
    person_ids = [person.id for person in people]
    if lesson_ids and person_ids:
        stmt = (
            select(LessonProgress.user_id, func.count(LessonProgress.id))
            .where(
                LessonProgress.user_id.in_(person_ids),
                LessonProgress.lesson_id.in_(lesson_ids),
                LessonProgress.completed_at.is_not(None),
            )
            .group_by(LessonProgress.user_id)
        )
        done_by_person = dict(db.session.execute(stmt).all())
    statuses = [
        _status(person, program, today, applies_from, done_by_person.get(person.id, 0), len(lesson_ids))
        for person in people
    ]
    return sorted(statuses, key=_team_order)


def _team_order(status: OnboardingStatus) -> tuple:
    # Late first, then open by due date; done, and people outside the program, last.
    outside = status.exemption is not None
    return (not status.overdue, status.complete, outside, status.due_date or date.max, status.person.employee_no)


def own_status(
    person: User, program: OnboardingProgram, today: date, applies_from: date | None = None
) -> tuple[OnboardingStatus, Lesson | None]:
    """One person's onboarding status and the first program lesson they have not completed.

    For the new hire's dashboard: the program's lessons and the person's
    completions are read once and serve both answers.
    """
    lesson_ids = program_lesson_ids(program)
    completed = set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == person.id, LessonProgress.completed_at.is_not(None)
            )
        )
    )
    done = sum(1 for lesson_id in lesson_ids if lesson_id in completed)
    status = _status(person, program, today, applies_from, done, len(lesson_ids))
    pending = next((lesson_id for lesson_id in lesson_ids if lesson_id not in completed), None)
    return status, (db.session.get(Lesson, pending) if pending is not None else None)


def reps_followed_by(viewer: User, hires_since: date | None = None) -> list[User]:
    """The active reps among the people the viewer answers for (lms.access.followed_by).

    `hires_since` limits the list to people hired on or after that date.
    """
    stmt = (
        select(User)
        .where(User.active.is_(True), User.role_rows.any(role="rep"), User.hire_date.is_not(None))
        # One query for any team size: mentor and manager joined in, roles only if asked for.
        .options(joinedload(User.mentor), joinedload(User.manager), lazyload(User.role_rows))
    )
    stmt = stmt.where(followed_by(viewer))
    if hires_since is not None:
        stmt = stmt.where(User.hire_date >= hires_since)
    return list(db.session.scalars(stmt.order_by(User.employee_no)))


def is_onboarding(
    person: User, program: OnboardingProgram, today: date, window_days: int, applies_from: date | None = None
) -> bool:
    """True for a rep hired within `window_days` (the team page's window) or still inside the program period.

    A rep hired long before the platform existed, before `applies_from`, or
    exempted by HR is not chased as "overdue".
    """
    if not person.hire_date or not person.has_role("rep") or exemption_for(person, applies_from) is not None:
        return False
    return today <= max(due_date_for(person, program), person.hire_date + timedelta(days=window_days))
