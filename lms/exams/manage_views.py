"""Managers' and HR's exam pages: roster with charts, CSV, item analysis, and appeals."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from lms import clock
from lms.access import STAFF_ADMIN_ROLES, roles_required
from lms.audit.origin import request_origin
from lms.csv_export import csv_response
from lms.exams import analysis, appeals, catalog, results
from lms.exams.errors import AppealError
from lms.exams.forms import DecisionForm, RosterFilterForm
from lms.extensions import db
from lms.forms import options, show_error
from lms.models import Appeal, Exam, ExamKind
from lms.question_types import QUESTION_TYPES

bp = Blueprint("exam_admin", __name__, url_prefix="/exams/manage")
MANAGERS = ("manager", *STAFF_ADMIN_ROLES)


def _exam_or_404(key: str) -> Exam:
    exam = catalog.get_exam(key)
    if exam is None:
        abort(404)
    return exam


@bp.get("/")
@roles_required(*MANAGERS)
def list_exams():
    """Every exam, newest first, with links to its roster and analysis."""
    # Quarterly exams only: level quizzes are the skill tracks' (lms.tracks), always open and retaken by rounds.
    exams = db.session.scalars(select(Exam).where(Exam.kind == ExamKind.QUARTERLY).order_by(Exam.opens_at.desc())).all()
    return render_template(
        "exams/manage_list.html",
        exams=exams,
        now=clock.now(),
        open_appeals=len(appeals.open_appeals()) if current_user.has_role(*STAFF_ADMIN_ROLES) else None,
    )


@bp.get("/<key>/")
@roles_required(*MANAGERS)
def roster(key: str):
    """Roster (filterable, paginated), pass rate and score distribution by team as SVG."""
    exam = _exam_or_404(key)
    rows = results.roster(exam, current_user)
    stats = results.team_stats(rows)
    form = RosterFilterForm(request.args)
    form.team.choices = options([("", "全部团队")] + [(s.team, s.team) for s in stats])
    shown = [
        r
        for r in rows
        if (not form.status.data or r.status == form.status.data)
        and (not form.team.data or (r.person.team or "未分组") == form.team.data)
    ]
    per_page = current_app.config.get("ROSTER_PER_PAGE", 50)
    page = max(1, request.args.get("page", 1, type=int))
    pages = max(1, -(-len(shown) // per_page))
    return render_template(
        "exams/roster.html",
        exam=exam,
        rows=shown[(page - 1) * per_page : page * per_page],
        page=page,
        pages=pages,
        count=len(shown),
        stats=stats,
        form=form,
        rate_chart=results.pass_rate_chart(stats),
        dist_chart=results.distribution_chart(stats),
    )


@bp.get("/<key>/roster.csv")
@roles_required(*MANAGERS)
def roster_csv(key: str):
    """The roster in the viewer's scope as CSV (through the one CSV helper: BOM, no formulas)."""
    exam = _exam_or_404(key)
    return csv_response(f"exam-{exam.key}-roster.csv", *results.roster_table(exam, results.roster(exam, current_user)))


@bp.get("/<key>/items")
@roles_required(*STAFF_ADMIN_ROLES)
def item_analysis(key: str):
    """Facility, discrimination, option frequencies and flags per question, linked to the bank and clause."""
    exam = _exam_or_404(key)
    items = analysis.item_analysis(exam)
    question_url, lesson_url = url_maker("question_bank.show_question", "key"), url_maker("courses.lesson", "clause_id")
    lessons = {clause: lesson_url(clause) for clause in {item.clause for item in items}}  # a few dozen clauses
    rows = [(item, question_url(item.key), lessons[item.clause]) for item in items]
    return render_template(
        "exams/items.html",
        exam=exam,
        rows=rows,
        type_labels=QUESTION_TYPES,
        option_labels=OPTION_LABELS,
        thresholds=(analysis.TOO_EASY, analysis.TOO_HARD),
    )


class _OptionLabels(dict):
    """Option key -> its label on the page: 正确 / 错误 for true/false, otherwise the key in capitals."""

    def __missing__(self, key: str) -> str:
        self[key] = label = key.upper()  # kept: option keys are a handful of letters
        return label


OPTION_LABELS = _OptionLabels(true="正确", false="错误")


def url_maker(endpoint: str, name: str):
    """A function value -> url_for(endpoint, **{name: value}) that builds the route once, not once per value.

    For tables with a link on every row: url_for cost more than the rest of
    a row of the item analysis (175 rows, two links each). The value is
    quoted as the route's default (string) converter quotes it.
    """
    marker = "\x00"
    prefix, found, suffix = url_for(endpoint, **{name: marker}).partition(quote(marker))
    if not found:
        raise ValueError(f"{endpoint}: <{name}> does not appear in its URL as a string")
    to_url = current_app.url_map.converters["default"](current_app.url_map).to_url
    return lambda value: prefix + to_url(value) + suffix


@bp.get("/appeals/")
@roles_required(*STAFF_ADMIN_ROLES)
def list_appeals():
    """Appeals, open ones first (oldest first), late ones flagged; paginated."""
    stmt = select(Appeal).order_by(Appeal.id.desc())
    page = db.paginate(stmt, per_page=current_app.config.get("APPEALS_PER_PAGE", 30), error_out=False)
    return render_template(
        "exams/appeals.html",
        open_appeals=appeals.open_appeals(),
        page=page,
        today=clock.today(),
        outcomes=appeals.OUTCOMES,
    )


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ADMIN_ROLES)
def decide_appeal(appeal_id: int):
    """Show an appeal with the question and the rep's answer; HR decides, which may regrade everyone."""
    appeal = db.session.get(Appeal, appeal_id) or abort(404)
    form = DecisionForm()
    if appeal.decision is None and form.validate_on_submit():
        try:
            count = appeals.decide_appeal(
                appeal,
                current_user,
                form.outcome.data,
                form.note.data,
                clock.now(),
                form.accepted.data or "",
                origin=request_origin(),
            )
        except AppealError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"已处理。重新评分的答卷：{count} 份。", "success")
            return redirect(url_for("exam_admin.decide_appeal", appeal_id=appeal.id))
    slot = next((s for s in appeal.attempt.questions if s.question_id == appeal.question_id), None)
    return render_template(
        "exams/appeal.html", appeal=appeal, form=form, slot=slot, today=clock.today(), outcomes=appeals.OUTCOMES
    )
