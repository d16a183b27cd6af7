"""The 绩效改进计划 (PIP, 7.2.2): a grade C opens one, re-evaluated 30 days later."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import ImprovementPlan, PerformanceGrade, User

REEVALUATE_AFTER_DAYS = 30  # calendar days (7.2.2: 30天后重新评估)


def sync_plan(grade: PerformanceGrade, now: datetime) -> ImprovementPlan | None:
    """Open the grade's PIP when it is C, cancel it when a correction takes the grade away from C.

    A grade corrected back to C gets its plan again, dated from today. Flushes nothing itself.
    """
    plan = db.session.scalars(select(ImprovementPlan).where(ImprovementPlan.grade_id == grade.id)).first()
    return _sync(grade, plan, now)


def sync_plans(grades: list[PerformanceGrade], now: datetime) -> None:
    """sync_plan for many grades (an import), with their plans read in one query per 500 grades."""
    plans: dict[int, ImprovementPlan] = {}
    ids = [grade.id for grade in grades]
    for start in range(0, len(ids), 500):
        chunk = select(ImprovementPlan).where(ImprovementPlan.grade_id.in_(ids[start : start + 500]))
        plans.update((plan.grade_id, plan) for plan in db.session.scalars(chunk))
    for grade in grades:
        _sync(grade, plans.get(grade.id), now)


def _sync(grade: PerformanceGrade, plan: ImprovementPlan | None, now: datetime) -> ImprovementPlan | None:
    if grade.grade == "C":
        if plan is None:
            plan = ImprovementPlan(grade_id=grade.id, user_id=grade.user_id)
            db.session.add(plan)
        elif plan.cancelled_at is None:
            return plan
        plan.opened_on = clock.local_date(now)
        plan.reevaluate_on = plan.opened_on + timedelta(days=REEVALUATE_AFTER_DAYS)
        plan.cancelled_at = None
        return plan
    if plan is not None and plan.cancelled_at is None:
        plan.cancelled_at = now
    return plan


def open_plans(condition):
    """A select of the plans not cancelled for people matching `condition` (on User), soonest re-evaluation first."""
    return (
        select(ImprovementPlan)
        .join(User, User.id == ImprovementPlan.user_id)
        .where(ImprovementPlan.cancelled_at.is_(None), condition)
        .order_by(ImprovementPlan.reevaluate_on, ImprovementPlan.id)
    )
