"""Dashboards: `/dashboard` sends each person to the page of their main role."""

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms import clock
from lms.access import Relation, followed_by
from lms.extensions import db
from lms.models import ROLE_LABELS, User
from lms.onboarding import service as onboarding_service
from lms.onboarding.program import ProgramError
from lms.onboarding.views import applies_from, current_program

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

# The page a person lands on: the most senior role they hold.
ROLE_PRECEDENCE = ("admin", "hr", "manager", "mentor", "rep")


def primary_role(user: User) -> str:
    """The role whose dashboard a person sees first."""
    return next((role for role in ROLE_PRECEDENCE if user.has_role(role)), "rep")


@bp.get("/")
@login_required
def home():
    """Send the person to their main dashboard."""
    return redirect(url_for("dashboard.for_role", role=primary_role(current_user)))


@bp.get("/<role>")
@login_required
def for_role(role: str):
    """The dashboard of one role the person holds (404 for a role they do not hold)."""
    if role not in ROLE_LABELS or not current_user.has_role(role):
        abort(404)
    context = {}
    if role == "rep":
        context["onboarding"] = _onboarding_panel(current_user)
        from lms.exams.panel import exam_panel

        context["exam_panel"] = exam_panel(current_user)
        from lms.tracks.service import cell_states, next_step

        context["skill_step"] = next_step(cell_states(current_user))
    if role == "manager":
        context["team"] = db.session.scalars(
            select(User)
            .where(followed_by(current_user, Relation.MANAGER), User.active.is_(True))
            .options(selectinload(User.mentor))
            .order_by(User.employee_no)
        ).all()
    elif role == "mentor":
        context["mentees"] = db.session.scalars(
            select(User)
            .where(followed_by(current_user, Relation.MENTOR), User.active.is_(True))
            .order_by(User.employee_no)
        ).all()
    elif role in ("hr", "admin"):
        context["people_count"] = db.session.scalar(select(func.count(User.id)).where(User.active.is_(True)))
    return render_template(f"dashboard/{role}.html", role=role, **context)


def _onboarding_panel(user: User) -> dict | None:
    """The new hire's progress, days left and next lesson; None once onboarding is behind them."""
    try:
        program = current_program()
    except ProgramError:
        return None  # no program file in this content folder
    today, start = clock.today(), applies_from()
    if not onboarding_service.is_onboarding(user, program, today, current_app.config["ONBOARDING_WINDOW_DAYS"], start):
        return None
    status, next_lesson = onboarding_service.own_status(user, program, today, start)
    return {"status": status, "next_lesson": next_lesson}
