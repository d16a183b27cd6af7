"""Case knowledge base pages: search, read, write, review, rate, and the monthly sharing session."""

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms import clock
from lms.access import get_owned_or_404, roles_required
from lms.cases import search, service
from lms.cases.forms import CaseForm, CommentForm, RatingForm, SearchForm, SessionForm
from lms.cases.service import AUTHOR_ROLES, REVIEWER_ROLES, CaseError
from lms.extensions import db, limiter
from lms.forms import options, show_error
from lms.markdown import render_user_markdown
from lms.models import User
from lms.models.cases import (
    CASE_OUTCOME_LABELS,
    CASE_PARTS,
    CASE_SEGMENT_LABELS,
    RATING_CRITERIA,
    CaseReview,
    SharingSession,
)
from lms.skills import SKILL_DIMENSIONS

bp = Blueprint("cases", __name__, url_prefix="/cases")
PER_PAGE = 20


@bp.context_processor
def _case_template_globals() -> dict:
    return {
        "outcome_labels": CASE_OUTCOME_LABELS,
        "segment_labels": CASE_SEGMENT_LABELS,
        "skill_dimensions": SKILL_DIMENSIONS,
        "rating_criteria": RATING_CRITERIA,
        "min_raters": service.MIN_RATERS,
        "highlight": search.highlight,
        "snippet": search.snippet,
    }


def get_case_or_404(case_id: int, viewer: User) -> CaseReview:
    """A case the viewer may read (public, own, or any for managers), else 404."""
    case = db.session.get(CaseReview, case_id)
    if case is None or not service.can_read(case, viewer):
        abort(404)
    return case


# --- finding and reading ---


@bp.get("/")
@login_required
def list_cases():
    """Search and filter the published cases."""
    form = SearchForm(request.args)
    form.author.choices = options([("", "全部")] + [(str(p.id), p.name) for p in service.published_authors()])
    filters = service.CaseFilters(
        q=form.q.data or "",
        outcome=form.outcome.data or "",
        segment=form.segment.data or "",
        dimension=form.dimension.data or "",
        clause=(form.clause.data or "").strip(),
        author_id=int(form.author.data) if (form.author.data or "").isdigit() else None,
        month=form.month.data or "",
    )
    result = None
    if form.validate():
        try:
            result = service.search_cases(filters, request.args.get("page", 1, type=int), PER_PAGE)
        except CaseError as error:
            show_error(form, error)
    return render_template("cases/list.html", form=form, result=result)


@bp.get("/top")
@login_required
def top_rated():
    """Published cases with enough ratings, best rated first."""
    page = service.top_rated_page(request.args.get("page", 1, type=int), PER_PAGE)
    return render_template("cases/top.html", page=page, min_raters=service.MIN_RATERS)


@bp.get("/<int:case_id>")
@login_required
def show_case(case_id: int):
    """A case: the published version for readers, the newest for its author and managers."""
    case = get_case_or_404(case_id, current_user)
    version = service.version_for_reader(case, current_user)
    mine = service.current_rating(case, current_user)
    rating_form = RatingForm(data={name: str(getattr(mine, name)) for name in RATING_CRITERIA} if mine else None)
    return render_template(
        "cases/show.html",
        case=case,
        version=version,
        parts=CASE_PARTS,
        summary=service.rating_summary(case),
        my_rating=mine,
        rating_form=rating_form,
        comment_form=CommentForm(),
    )


@bp.get("/<int:case_id>/versions")
@login_required
def list_versions(case_id: int):
    """Every version of a case the viewer may read."""
    case = get_case_or_404(case_id, current_user)
    versions = [v for v in reversed(case.versions) if service.can_read_version(case, v, current_user)]
    return render_template("cases/versions.html", case=case, versions=versions)


@bp.get("/<int:case_id>/versions/<int:number>")
@login_required
def show_version(case_id: int, number: int):
    """One version, with its diff against the previous one."""
    case = get_case_or_404(case_id, current_user)
    version = next((v for v in case.versions if v.number == number), None)
    if version is None or not service.can_read_version(case, version, current_user):
        abort(404)
    previous = next(
        (v for v in reversed(case.versions) if v.number < number and service.can_read_version(case, v, current_user)),
        None,
    )
    diff = service.version_diff(previous, version)
    return render_template(
        "cases/version.html", case=case, version=version, previous=previous, diff=diff, parts=CASE_PARTS
    )


# --- writing ---


def _form_data(form: CaseForm) -> service.CaseData:
    return service.CaseData(
        title=(form.title.data or "").strip(),
        outcome=form.outcome.data or None,
        segment=form.segment.data or None,
        dimensions=list(form.dimensions.data or []),
        clauses=service.parse_clauses(form.clauses.data),
        tags=service.parse_tags(form.tags.data),
        **{name: form[name].data or "" for name in CASE_PARTS},
    )


def _save(form: CaseForm, case: CaseReview | None) -> CaseReview | None:
    """Create or update from the form, and submit when asked; all or nothing."""
    try:
        if case is None:
            case = service.create_case(_form_data(form), current_user)
        else:
            service.update_case(case, _form_data(form), current_user)
        if form.submit_review.data:
            service.submit_case(case, current_user)
    except CaseError as error:
        db.session.rollback()
        show_error(form, error)
        return None
    db.session.commit()
    flash("已提交审核。" if form.submit_review.data else "草稿已保存。", "success")
    return case


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*AUTHOR_ROLES)
def new_case():
    """Write a new case review."""
    form = CaseForm()
    if form.validate_on_submit() and (case := _save(form, None)):
        return redirect(url_for("cases.show_case", case_id=case.id))
    return render_template("cases/form.html", form=form, case=None)


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@roles_required(*AUTHOR_ROLES)
def edit_case(case_id: int):
    """Edit one's own case; editing a published case starts a new version."""
    case = get_owned_or_404(CaseReview, case_id, current_user, owner_attr="author_id")
    form = CaseForm(obj=case.latest)
    if request.method == "GET":
        form.clauses.data = ", ".join(case.latest.clauses)
        form.tags.data = ", ".join(case.latest.tag_list)
        form.dimensions.data = case.latest.dimensions
    if form.validate_on_submit() and _save(form, case):
        return redirect(url_for("cases.show_case", case_id=case.id))
    return render_template("cases/form.html", form=form, case=case)


def _preview_key() -> str:
    return f"case-preview:{current_user.get_id()}"


# Each preview renders up to PART_MAX characters; one author typing needs far fewer than this.
PREVIEW_LIMIT = "60 per minute"


@bp.post("/preview")
@roles_required(*AUTHOR_ROLES)
@limiter.limit(lambda: current_app.config.get("CASE_PREVIEW_LIMIT", PREVIEW_LIMIT), key_func=_preview_key)
def preview_markdown():
    """Live preview: the same sanitised rendering the case page uses (JSON, CSRF header)."""
    payload = request.get_json(silent=True) or {}
    source = payload.get("text")
    if not isinstance(source, str) or len(source) > service.PART_MAX or source.count("\n") >= service.PART_MAX_LINES:
        return jsonify(error=f"内容应为不超过 {service.PART_MAX} 个字符、{service.PART_MAX_LINES} 行的文本。"), 400
    return jsonify(html=str(render_user_markdown(source)))


# --- workflow ---


def _transition(case: CaseReview, action) -> object:
    form = CommentForm()
    if not form.validate_on_submit():
        flash("；".join(form.comment.errors) or "操作未确认，请重试。", "error")
        return redirect(url_for("cases.show_case", case_id=case.id))
    try:
        action(form.comment.data or "")
    except CaseError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"已{case.transitions[-1].action_label}。", "success")
    return redirect(url_for("cases.show_case", case_id=case.id))


@bp.post("/<int:case_id>/submit")
@roles_required(*AUTHOR_ROLES)
def submit_case(case_id: int):
    """The author sends a draft for review."""
    case = get_owned_or_404(CaseReview, case_id, current_user, owner_attr="author_id")
    return _transition(case, lambda _comment: service.submit_case(case, current_user))


@bp.post("/<int:case_id>/approve")
@roles_required(*REVIEWER_ROLES)
def approve_case(case_id: int):
    """A manager publishes a submitted case."""
    case = get_case_or_404(case_id, current_user)
    return _transition(case, lambda comment: service.approve_case(case, current_user, comment))


@bp.post("/<int:case_id>/send-back")
@roles_required(*REVIEWER_ROLES)
def send_back_case(case_id: int):
    """A manager returns a submitted case with a comment."""
    case = get_case_or_404(case_id, current_user)
    return _transition(case, lambda comment: service.send_back_case(case, current_user, comment))


@bp.post("/<int:case_id>/archive")
@roles_required(*AUTHOR_ROLES)
def archive_case(case_id: int):
    """The author or a manager archives a case."""
    case = get_case_or_404(case_id, current_user)
    return _transition(case, lambda comment: service.archive_case(case, current_user, comment))


@bp.get("/mine")
@roles_required(*AUTHOR_ROLES)
def my_cases():
    """The signed-in author's cases in every state."""
    page = db.paginate(service.my_cases(current_user), per_page=PER_PAGE, error_out=False)
    return render_template("cases/mine.html", page=page)


@bp.get("/review")
@roles_required(*REVIEWER_ROLES)
def review_queue():
    """Cases waiting for a manager."""
    page = db.paginate(service.review_queue(), per_page=PER_PAGE, error_out=False)
    return render_template("cases/review.html", page=page)


# --- rating ---


def _scores_from_request() -> dict[str, int | None] | None:
    """Scores from JSON or the form; None when the form itself is invalid."""
    if request.is_json:
        payload = request.get_json(silent=True) or {}
        return {name: _as_int(payload.get(name)) for name in RATING_CRITERIA}
    form = RatingForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash("；".join(errors), "error")
        return None
    return {name: int(form[name].data) for name in RATING_CRITERIA}


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    return None


@bp.post("/<int:case_id>/rating")
@login_required
def rate_case(case_id: int):
    """Rate a published case (form or JSON); a second rating replaces the first."""
    case = get_case_or_404(case_id, current_user)
    scores = _scores_from_request()
    try:
        if scores is not None:
            service.rate_case(case, current_user, scores)
    except CaseError as error:
        db.session.rollback()
        if request.is_json:
            return jsonify(error=str(error), field=error.field), 400
        flash(str(error), "error")
        return redirect(url_for("cases.show_case", case_id=case.id))
    db.session.commit()
    summary = service.rating_summary(case)
    if request.is_json:
        return jsonify(count=summary.count, averages=summary.averages, overall=summary.overall)
    if scores is not None:
        flash("评价已保存。", "success")
    return redirect(url_for("cases.show_case", case_id=case.id, _anchor="rating"))


# --- monthly sharing sessions ---


@bp.get("/sessions")
@login_required
def list_sessions():
    """The monthly 经验分享会 with their 参与度."""
    page = db.paginate(service.sessions_statement(), per_page=PER_PAGE, error_out=False)
    return render_template("cases/sessions.html", page=page)


@bp.get("/sessions/<int:session_id>")
@login_required
def show_session(session_id: int):
    """One sharing session: its cases, who was expected and who came."""
    session = db.get_or_404(SharingSession, session_id)
    return render_template("cases/session.html", session=session)


def _session_form(session: SharingSession | None) -> SessionForm:
    form = SessionForm(obj=session)
    if request.method == "GET":
        form.month.data = session.month if session else service.default_month(clock.today())
        form.case_ids.data = [row.case_id for row in session.case_rows] if session else []
        form.expected_ids.data = [row.user_id for row in session.attendance_rows] if session else []
        form.attended_ids.data = [row.user_id for row in session.attendance_rows if row.attended] if session else []
    month = form.month.data if service.MONTH.fullmatch(form.month.data or "") else service.default_month(clock.today())
    candidates = service.session_case_candidates(month)
    picked = {c.id for c in candidates}
    extra = [
        (row.case_id, row.case.latest.title)
        for row in (session.case_rows if session else [])
        if row.case_id not in picked
    ]
    form.case_ids.choices = options([(c.id, f"#{c.id} {c.title}") for c in candidates] + extra)
    return form


def _save_session(form: SessionForm, session: SharingSession | None) -> SharingSession | None:
    # A number too long for any id still reaches the service, which names it as no published case
    # (past 30 digits it is only cut short: int() refuses more than 4,300).
    extra = [int(x[:30]) for x in service.parse_clauses(form.extra_case_ids.data.replace("#", "")) if x.isdigit()]
    data = service.SessionData(
        month=form.month.data,
        title=form.title.data or "",
        held_on=form.held_on.data,
        case_ids=list(form.case_ids.data or []) + extra,
        expected_ids=list(form.expected_ids.data or []),
        attended_ids=list(form.attended_ids.data or []),
    )
    try:
        saved = service.save_session(data, current_user, session)
    except CaseError as error:
        db.session.rollback()
        show_error(form, error)
        return None
    db.session.commit()
    flash("分享会已保存。", "success")
    return saved


def _active_people() -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.team, User.employee_no)))


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(*REVIEWER_ROLES)
def new_session():
    """Set up this month's sharing session."""
    form = _session_form(None)
    if form.validate_on_submit() and (saved := _save_session(form, None)):
        return redirect(url_for("cases.show_session", session_id=saved.id))
    return render_template("cases/session_form.html", form=form, session=None, people=_active_people())


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(*REVIEWER_ROLES)
def edit_session(session_id: int):
    """Change a session's cases and record attendance."""
    session = db.get_or_404(SharingSession, session_id)
    form = _session_form(session)
    if form.validate_on_submit() and _save_session(form, session):
        return redirect(url_for("cases.show_session", session_id=session.id))
    return render_template("cases/session_form.html", form=form, session=session, people=_active_people())
