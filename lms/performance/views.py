"""Pages of HR's grade import, the grades, their 7.4 follow-up and awards."""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms import clock
from lms.access import STAFF_ADMIN_ROLES, Relation, can_view_person, followed_by, roles_required
from lms.extensions import db
from lms.forms import show_error
from lms.models import AWARD_KIND_LABELS, Award, GradeAppeal, GradeImport, PerformanceGrade, User
from lms.performance import awards, followup, grades, plans
from lms.performance.forms import (
    AppealDecisionForm,
    AwardForm,
    GradeAppealForm,
    GradeConfirmForm,
    GradeFilterForm,
    GradeUploadForm,
    ReviewForm,
)

bp = Blueprint("performance", __name__, url_prefix="/performance")
FOLLOW_UP_ROLES = ("manager", *STAFF_ADMIN_ROLES)


def _per_page() -> int:
    return current_app.config.get("PERFORMANCE_PER_PAGE", 30)


# --- import --------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*STAFF_ADMIN_ROLES)
def import_grades():
    """Upload a grade file and preview every row, the errors and each period's distribution (writes nothing)."""
    form = GradeUploadForm()
    if not form.validate_on_submit():
        return render_template("performance/import.html", form=form, plan=None)
    raw, name = form.file.data.read(), form.file.data.filename or "grades"
    try:
        plan = grades.plan_import(raw, name)
    except grades.GradeFileError as error:
        form.file.errors.append(str(error))
        return render_template("performance/import.html", form=form, plan=None)
    confirm = GradeConfirmForm(payload=_pack(raw), file_name=name[:200])
    return render_template("performance/import.html", form=form, plan=plan, confirm=confirm)


@bp.post("/import/confirm")
@roles_required(*STAFF_ADMIN_ROLES)
def confirm_import():
    """Apply a previewed file: checked again in full, written only if every row is valid."""
    form = GradeConfirmForm()
    raw = _unpack(form.payload.data) if form.validate_on_submit() else b""
    if not raw:
        flash("导入未确认，请重新上传文件。", "error")
        return redirect(url_for("performance.import_grades"))
    try:
        plan = grades.apply_import(raw, form.file_name.data or "grades", actor=current_user, reason=form.reason.data)
    except grades.GradeFileError as error:
        flash(str(error), "error")
        return redirect(url_for("performance.import_grades"))
    except grades.GradeImportError as error:
        db.session.rollback()
        show_error(form, error)
        return render_template(
            "performance/import.html",
            form=GradeUploadForm(),
            plan=grades.plan_import(raw, form.file_name.data or "grades"),
            confirm=form,
        )
    if plan.errors:
        db.session.rollback()
        return render_template("performance/import.html", form=GradeUploadForm(), plan=plan, confirm=None)
    db.session.commit()
    flash(f"导入完成：{plan.summary}。", "success")
    for warning in plan.warnings:
        flash("等级分布提醒：" + warning, "info")
    return redirect(url_for("performance.list_grades"))


def _pack(raw: bytes) -> str:
    """The previewed file for the confirmation's hidden field, compressed: Werkzeug takes at most 500 kB of form."""
    return base64.b64encode(zlib.compress(raw, 6)).decode()


def _unpack(payload: str | None) -> bytes:
    """The file back from the hidden field; b"" for anything that is not one (nor larger than an upload may be)."""
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(
            base64.b64decode(payload or "", validate=True), current_app.config["MAX_CONTENT_LENGTH"]
        )
    except (binascii.Error, ValueError, zlib.error):
        return b""
    return b"" if inflater.unconsumed_tail else raw


@bp.get("/imports")
@roles_required(*STAFF_ADMIN_ROLES)
def list_imports():
    """Every confirmed import (who, when, which file, how many rows, why), newest first."""
    page = db.paginate(select(GradeImport).order_by(GradeImport.id.desc()), per_page=_per_page(), error_out=False)
    return render_template("performance/imports.html", page=page)


@bp.get("/grades")
@roles_required(*STAFF_ADMIN_ROLES)
def list_grades():
    """Grades on record, filtered by period, with the period's distribution against the target shares."""
    form = GradeFilterForm(request.args)
    stmt = select(PerformanceGrade).join(User, User.id == PerformanceGrade.user_id)
    period = (form.period.data or "").strip().upper() if form.validate() else ""
    if period:
        stmt = stmt.where(PerformanceGrade.period == period)
    stmt = stmt.order_by(PerformanceGrade.period.desc(), User.employee_no)
    page = db.paginate(stmt, per_page=_per_page(), error_out=False)
    distributions = grades.period_distributions([period] if period else sorted({g.period for g in page.items}))
    return render_template("performance/grades.html", form=form, page=page, distributions=distributions)


# --- one grade, its 面谈 and appeal ------------------------------------------------------------------


def _grade_or_404(grade_id: int) -> PerformanceGrade:
    grade = db.session.get(PerformanceGrade, grade_id)
    if grade is None or not can_view_person(current_user, grade.user):
        abort(404)
    return grade


@bp.get("/grades/<int:grade_id>")
@login_required
def show_grade(grade_id: int):
    """A grade with its deadlines, 面谈, appeal and PIP; the forms its manager or the person may use."""
    grade = _grade_or_404(grade_id)
    return _render_grade(grade, ReviewForm(), GradeAppealForm())


def _render_grade(grade, review_form, appeal_form):
    review_due, review_problem = followup.deadline_or_problem(followup.review_due, grade)
    appeal_until, appeal_problem = followup.deadline_or_problem(followup.appeal_deadline, grade)
    return render_template(
        "performance/grade.html",
        grade=grade,
        review_due=review_due,
        appeal_until=appeal_until,
        calendar_problem=review_problem or appeal_problem,
        today=clock.today(),
        is_manager=grade.user.manager_id == current_user.id,
        review_form=review_form,
        appeal_form=appeal_form,
        outcomes=followup.OUTCOME_LABELS,
    )


@bp.post("/grades/<int:grade_id>/review")
@login_required
def record_review(grade_id: int):
    """The person's manager records the 绩效面谈 and the agreed plan (anyone else: 403)."""
    grade = _grade_or_404(grade_id)
    if grade.user.manager_id != current_user.id:
        abort(403)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            followup.record_review(grade, current_user, form.held_on.data, form.plan.data, clock.now())
        except followup.FollowUpError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash("已登记绩效面谈。", "success")
            return redirect(url_for("performance.show_grade", grade_id=grade.id))
    return _render_grade(grade, form, GradeAppealForm())


@bp.post("/grades/<int:grade_id>/appeal")
@login_required
def file_appeal(grade_id: int):
    """The person appeals their own grade within 5 working days (anyone else: 403)."""
    grade = _grade_or_404(grade_id)
    if grade.user_id != current_user.id:
        abort(403)
    form = GradeAppealForm()
    if form.validate_on_submit():
        try:
            followup.file_appeal(grade, current_user, form.reason.data, clock.now())
        except followup.FollowUpError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash("申诉已提交，人力资源部将在 10 个工作日内答复。", "success")
            return redirect(url_for("performance.show_grade", grade_id=grade.id))
    return _render_grade(grade, ReviewForm(), form)


@bp.get("/mine")
@login_required
def my_grades():
    """My grades (newest first) and my awards."""
    stmt = select(PerformanceGrade).where(PerformanceGrade.user_id == current_user.id)
    page = db.paginate(stmt.order_by(PerformanceGrade.period.desc()), per_page=_per_page(), error_out=False)
    my_awards = db.session.scalars(
        select(Award).where(Award.user_id == current_user.id).order_by(Award.awarded_on.desc()).limit(50)
    )
    return render_template("performance/mine.html", page=page, awards=list(my_awards), kinds=AWARD_KIND_LABELS)


# --- follow-up lists -------------------------------------------------------------------------------


def _team_condition():
    """HR and admin follow everyone; a manager the people they manage."""
    if current_user.has_role(*STAFF_ADMIN_ROLES):
        return followed_by(current_user)
    return followed_by(current_user, Relation.MANAGER)


@bp.get("/reviews")
@roles_required(*FOLLOW_UP_ROLES)
def list_reviews():
    """Grades and their 面谈: due, overdue (no 面谈 after 3 working days) and late ones flagged."""
    stmt = followup.grades_for_review(_team_condition())
    if request.args.get("state") == "pending":
        stmt = stmt.where(~PerformanceGrade.review.has())
    page = db.paginate(stmt, per_page=_per_page(), error_out=False)
    today = clock.today()
    rows = [(grade, grade.review, *followup.review_state(grade, grade.review, today)) for grade in page.items]
    return render_template("performance/reviews.html", page=page, rows=rows)


@bp.get("/plans")
@roles_required(*FOLLOW_UP_ROLES)
def list_plans():
    """Open 绩效改进计划 (grade C), soonest re-evaluation first."""
    page = db.paginate(plans.open_plans(_team_condition()), per_page=_per_page(), error_out=False)
    return render_template("performance/plans.html", page=page, today=clock.today())


@bp.get("/appeals")
@roles_required(*STAFF_ADMIN_ROLES)
def list_appeals():
    """Grade appeals, open ones first, late decisions flagged."""
    stmt = select(GradeAppeal).order_by(GradeAppeal.outcome.is_not(None), GradeAppeal.decide_by, GradeAppeal.id)
    page = db.paginate(stmt, per_page=_per_page(), error_out=False)
    return render_template("performance/appeals.html", page=page, today=clock.today(), outcomes=followup.OUTCOME_LABELS)


@bp.route("/appeals/<int:appeal_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ADMIN_ROLES)
def decide_appeal(appeal_id: int):
    """HR decides an appeal; accepting it corrects the grade (a new, superseding fact)."""
    appeal = db.session.get(GradeAppeal, appeal_id) or abort(404)
    form = AppealDecisionForm()
    if appeal.outcome is None and form.validate_on_submit():
        correction = followup.Correction(form.score.data or "", form.grade.data or "")
        try:
            followup.decide_appeal(appeal, current_user, form.outcome.data, form.note.data, clock.now(), correction)
        except followup.FollowUpError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash("申诉已处理。", "success")
            return redirect(url_for("performance.decide_appeal", appeal_id=appeal.id))
    return render_template(
        "performance/appeal.html", appeal=appeal, form=form, today=clock.today(), outcomes=followup.OUTCOME_LABELS
    )


@dataclass
class ListPage:
    """A page of a list computed in Python, with the attributes the pagination macro reads."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


@bp.get("/alerts")
@roles_required(*STAFF_ADMIN_ROLES)
def list_alerts():
    """Two consecutive D grades (7.2.2: HR decides on the elimination mechanism)."""
    pairs = followup.consecutive_d()
    number = request.args.get("page", 1, type=int) or 1
    per_page = _per_page()
    start = (max(number, 1) - 1) * per_page
    page = ListPage(pairs[start : start + per_page], max(number, 1), per_page, len(pairs))
    return render_template("performance/alerts.html", page=page)


# --- awards ----------------------------------------------------------------------------------------


@bp.route("/awards", methods=["GET", "POST"])
@roles_required(*STAFF_ADMIN_ROLES)
def list_awards():
    """HR records an award (an `award` fact); the awards so far, newest first."""
    form = AwardForm()
    if form.validate_on_submit():
        data = awards.AwardData(
            form.employee_no.data,
            form.kind.data,
            form.title.data or "",
            form.period.data,
            form.awarded_on.data,
            form.citation.data,
        )
        try:
            awards.record_award(data, current_user, clock.now())
        except awards.AwardError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash("奖项已登记。", "success")
            return redirect(url_for("performance.list_awards"))
    stmt = select(Award).order_by(Award.awarded_on.desc(), Award.id.desc())
    page = db.paginate(stmt, per_page=_per_page(), error_out=False)
    return render_template("performance/awards.html", form=form, page=page, kinds=AWARD_KIND_LABELS)
