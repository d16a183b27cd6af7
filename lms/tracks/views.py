"""The skill-track pages: a rep's /skills matrix and cells, level quizzes, assessment requests, the assessor's
queue and form, one person's evidence, and HR's assigning and revoking.

Level quiz attempts are taken on the exam pages (lms.exams.views: take, autosave,
summary, submit, result), which work on any of the person's own attempts. The
/skills pages are the one place that settles a level quiz left past its
deadline (lms.database.settles_state) and awards a level whose requirements
all hold by then.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms import clock
from lms.access import STAFF_ADMIN_ROLES, get_person_or_404, roles_required
from lms.database import begin_settling, settles_state
from lms.exams.errors import ExamError
from lms.extensions import db
from lms.forms import show_error
from lms.models import SkillAssessmentRequest, SkillLevelAward, User
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS
from lms.tracks import service
from lms.tracks.forms import AssignForm, ConfirmForm, RequestForm, RevokeForm, assessment_form
from lms.tracks.loader import SCENARIO_TYPES

bp = Blueprint("tracks", __name__, url_prefix="/skills")
QUEUE_PAGE_SIZE = 20
bp.add_app_template_filter(service.cell_label, "cell_label")


def _cell_or_404(dimension: str, level: str):
    cell = service.get_cell(dimension, level)
    if cell is None:
        abort(404)
    return cell


def _settled_states(user: User) -> list[service.CellState]:
    """The person's cells, after finishing their overdue level quizzes and awarding what is complete.

    The one way these GETs write (lms.database.settles_state): a quiz left past its deadline is
    graded, and a cell whose requirements all hold without an award (its last lesson was read
    after the rest, or the grading hook has not run) is awarded. Both are idempotent.
    """
    now = clock.now()
    states = service.cell_states(user)
    completable = [s.cell for s in states if s.award is None and s.state != "locked" and s.next_requirement is None]
    if not completable and not states.overdue(now):  # nothing due: no write-path work on this GET
        return states
    begin_settling(db.session)
    service.settle_overdue_quizzes(user, now)
    for cell in completable:
        service.award_if_complete(user, cell, now, by=None)
    db.session.commit()
    return service.cell_states(user)


def _cell_urls(states: list[service.CellState]) -> dict[str, str]:
    """cell key -> its page, from one url_for with placeholders for the dimension and the level.

    Both are plain lower-case ASCII keys (lms.skills), so they stand in the path as they are;
    fifteen url_for calls were a twentieth of the page's time.
    """
    pattern = url_for("tracks.show_cell", dimension="DIMENSION", level="LEVEL")
    return {s.cell.key: pattern.replace("DIMENSION", s.cell.dimension).replace("LEVEL", s.cell.level) for s in states}


@bp.get("/")
@login_required
@settles_state
def my_skills():
    """The 5 × 3 matrix of the signed-in person's cells, with each cell's checklist."""
    states = _settled_states(current_user)
    grid = {(s.cell.dimension, s.cell.level): s for s in states}
    return render_template(
        "tracks/my_skills.html",
        grid=grid,
        states=states,
        dimensions=SKILL_DIMENSIONS,
        levels=SKILL_LEVELS,
        state_labels=service.STATE_LABELS,
        step=service.next_step(states),
        cell_urls=_cell_urls(states),
    )


@bp.get("/cells/<dimension>/<level>")
@login_required
@settles_state
def show_cell(dimension: str, level: str):
    """One cell: descriptor, checklist, the quiz and its rounds, the assessment request, feedback, awards."""
    cell = _cell_or_404(dimension, level)
    state = next(s for s in _settled_states(current_user) if s.cell.id == cell.id)
    form = RequestForm()
    form.assessor.choices = [
        (p.id, f"{p.name}（{_relation(current_user, p)}）") for p in service.assessor_choices(current_user)
    ]
    return render_template(
        "tracks/cell.html",
        state=state,
        cell=cell,
        form=form,
        confirm=ConfirmForm(),
        scenarios=SCENARIO_TYPES,
        state_labels=service.STATE_LABELS,
        today=clock.today(),
    )


def _relation(person: User, other: User) -> str:
    return "导师" if other.id == person.mentor_id else "主管"


@bp.post("/cells/<dimension>/<level>/quiz")
@login_required
def start_quiz(dimension: str, level: str):
    """Start (or resume) the cell's level quiz, then take it on the exam pages."""
    cell = _cell_or_404(dimension, level)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        attempt = service.start_level_quiz(current_user, cell, clock.now())
    except (service.TrackError, ExamError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("tracks.show_cell", dimension=dimension, level=level) + "#quiz")
    db.session.commit()
    return redirect(url_for("exams.take_attempt", attempt_id=attempt.id))


@bp.post("/cells/<dimension>/<level>/request")
@login_required
def request_assessment(dimension: str, level: str):
    """Ask one's mentor or manager for the cell's practical assessment."""
    cell = _cell_or_404(dimension, level)
    form = RequestForm()
    form.assessor.choices = [(p.id, p.name) for p in service.assessor_choices(current_user)]
    if form.validate_on_submit():
        try:
            service.request_assessment(
                current_user, cell, db.session.get(User, form.assessor.data), clock.now(), note=form.note.data or ""
            )
        except service.TrackError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("已提交实践考核申请，请与评估人约定时间。", "success")
    else:
        flash("；".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("tracks.show_cell", dimension=dimension, level=level) + "#assessment")


@bp.post("/requests/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int):
    """The rep withdraws their own open request."""
    assessment_request = db.session.get(SkillAssessmentRequest, request_id)
    if assessment_request is None or assessment_request.user_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.withdraw_request(current_user, assessment_request, clock.now())
    except service.TrackError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("申请已撤回。", "success")
    cell = assessment_request.cell
    return redirect(url_for("tracks.show_cell", dimension=cell.dimension, level=cell.level) + "#assessment")


@bp.get("/assessments")
@login_required
def queue():
    """The assessor's open requests, oldest first, with each one's age; HR also sees every open request."""
    everyone = current_user.has_role(*STAFF_ADMIN_ROLES) and request.args.get("all") == "1"
    page = db.paginate(service.queue_for(current_user, everyone), per_page=QUEUE_PAGE_SIZE, error_out=False)
    today = clock.today()
    return render_template(
        "tracks/queue.html",
        ages={item.id: (today - clock.local_date(item.requested_at)).days for item in page.items},
        page=page,
        everyone=everyone,
        today=clock.today(),
        hr=current_user.has_role(*STAFF_ADMIN_ROLES),
    )


def _request_to_assess(request_id: int) -> SkillAssessmentRequest:
    """The request, or 404; 403 when the viewer may not assess it (themselves, or not theirs)."""
    assessment_request = db.session.get(SkillAssessmentRequest, request_id)
    if assessment_request is None:
        abort(404)
    if not service.may_assess(current_user, assessment_request):
        abort(403)
    return assessment_request


@bp.route("/assessments/<int:request_id>", methods=["GET", "POST"])
@login_required
def assess(request_id: int):
    """Score a request with the cell's rubric, record the scenario and evidence, and sign it off."""
    assessment_request = _request_to_assess(request_id)
    rubric = service.rubric_of(assessment_request.cell)
    form = assessment_form(rubric)
    if request.method == "GET" and not form.assessed_on.data:
        form.assessed_on.data = clock.today()
        form.scenario.data = assessment_request.cell.assessment.get("scenario")
    if assessment_request.status == "open" and form.validate_on_submit():
        try:
            assessment = service.sign_assessment(assessment_request, current_user, form.entry(), clock.now())
        except service.NotAllowed:
            db.session.rollback()
            abort(403)
        except service.TrackError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"已签署：加权得分 {assessment.weighted}，{'通过' if assessment.passed else '未通过'}。", "success")
            return redirect(url_for("tracks.queue"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "tracks/assess.html", item=assessment_request, form=form, rubric=rubric, scenarios=SCENARIO_TYPES
    ), status


@bp.get("/people/<int:person_id>")
@login_required
def person_evidence(person_id: int):
    """One person's evidence per cell (quiz tries, assessments with scores, awards and revocations).

    The person themselves and whoever answers for them (manager, mentor, HR); 404 for anyone else.
    """
    person = get_person_or_404(person_id, current_user)
    states = service.cell_states(person)
    return render_template(
        "tracks/person.html",
        person=person,
        states=states,
        state_labels=service.STATE_LABELS,
        hr=current_user.has_role(*STAFF_ADMIN_ROLES),
        assign_form=AssignForm(),
        revoke_form=RevokeForm(),
        scenarios=SCENARIO_TYPES,
    )


@bp.post("/people/<int:person_id>/cells/<dimension>/<level>/assign")
@roles_required(*STAFF_ADMIN_ROLES)
def assign(person_id: int, dimension: str, level: str):
    """HR names any assessor for a person's cell (a new request, or the open one reassigned)."""
    person = get_person_or_404(person_id, current_user)
    cell = _cell_or_404(dimension, level)
    form = AssignForm()
    if form.validate_on_submit():
        number = form.employee_no.data.strip()
        assessor = db.session.scalars(select(User).where(User.employee_no == number)).first()
        try:
            if assessor is None:
                raise service.TrackError(f"没有工号为 {number} 的员工。")
            service.request_assessment(person, cell, assessor, clock.now(), assigned_by=current_user)
        except service.TrackError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"已指派 {assessor.name} 评估{service.cell_label(cell.key)}。", "success")
    else:
        flash("；".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("tracks.person_evidence", person_id=person.id) + f"#cell-{dimension}-{level}")


@bp.post("/awards/<int:award_id>/revoke")
@roles_required(*STAFF_ADMIN_ROLES)
def revoke(award_id: int):
    """HR revokes a level with a reason; the award and its fact stay visible, superseded."""
    award = db.session.get(SkillLevelAward, award_id)
    if award is None:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            service.revoke_level(award, current_user, form.reason.data, clock.now())
        except service.TrackError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"已撤销 {award.user.name} 的{service.cell_label(award.cell.key)}。", "success")
    else:
        flash("；".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("tracks.person_evidence", person_id=award.user_id))
