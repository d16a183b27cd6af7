"""The team onboarding page (mentors, managers, HR) and its CSV export."""

from datetime import date, timedelta

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from lms import clock
from lms.access import roles_required
from lms.csv_export import csv_response
from lms.onboarding import service
from lms.onboarding.program import program_in

bp = Blueprint("onboarding", __name__, url_prefix="/onboarding")

FOLLOWER_ROLES = ("mentor", "manager", "hr", "admin")
PER_PAGE = 100


@bp.record_once
def _check_scope(state) -> None:
    # A mistyped LMS_ONBOARDING_APPLIES_FROM stops the app at start-up with its message,
    # rather than every onboarding page answering 500.
    service.parse_applies_from(state.app.config.get("ONBOARDING_APPLIES_FROM"))


def current_program():
    """The onboarding program of the configured content folder."""
    return program_in(current_app.config["CONTENT_DIR"])


def applies_from() -> date | None:
    """ONBOARDING_APPLIES_FROM: the first hire date the new-hire program applies to."""
    return service.parse_applies_from(current_app.config.get("ONBOARDING_APPLIES_FROM"))


def _team_statuses(scope: str):
    """Statuses of the people the viewer follows; recent hires unless scope is "all"."""
    today = clock.today()
    since = None if scope == "all" else today - timedelta(days=current_app.config["ONBOARDING_WINDOW_DAYS"])
    people = service.reps_followed_by(current_user, hires_since=since)
    return service.statuses_for(people, current_program(), today, applies_from())


@bp.get("/team")
@roles_required(*FOLLOWER_ROLES)
def team():
    """Who is onboarding, how far along, and who is late (overdue first)."""
    scope = request.args.get("scope", "recent")
    statuses = _team_statuses(scope)
    page = max(1, request.args.get("page", 1, type=int))
    shown = statuses[(page - 1) * PER_PAGE : page * PER_PAGE]
    pages = max(1, -(-len(statuses) // PER_PAGE))
    overdue = sum(1 for status in statuses if status.overdue)
    return render_template(
        "onboarding/team.html",
        statuses=shown,
        total=len(statuses),
        overdue=overdue,
        page=page,
        pages=pages,
        scope=scope,
        program=current_program(),
    )


@bp.get("/team.csv")
@roles_required(*FOLLOWER_ROLES)
def team_csv():
    """The same list as a spreadsheet (through the one CSV helper: BOM for Excel, no formulas)."""
    header = ["工号", "姓名", "团队", "导师", "入职日期", "截止日期", "已完成", "总节数", "完成率", "剩余天数", "状态"]
    rows = []
    for status in _team_statuses(request.args.get("scope", "recent")):
        person = status.person
        rows.append(
            [
                person.employee_no,
                person.name,
                person.team or "",
                person.mentor.name if person.mentor else "",
                person.hire_date,
                status.due_date,
                status.done,
                status.total,
                f"{status.percent}%",
                status.days_left,
                status.exemption or status.state,
            ]
        )
    return csv_response("onboarding.csv", header, rows)
