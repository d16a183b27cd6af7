"""The question bank browser for HR and admin: list, filter and preview questions."""

from flask import Blueprint, abort, current_app, render_template, request

from lms.access import STAFF_ADMIN_ROLES, roles_required
from lms.extensions import db
from lms.forms import options
from lms.question_bank import service
from lms.question_bank.forms import QuestionFilterForm
from lms.question_types import QUESTION_TYPES
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS

bp = Blueprint("question_bank", __name__, url_prefix="/exams")


@bp.get("/bank/")
@roles_required(*STAFF_ADMIN_ROLES)
def list_questions():
    """Paginated questions, filtered by clause, type, dimension, level, stale flag and status."""
    form = QuestionFilterForm(request.args)
    form.clause.choices = options([("", "全部条款")] + [(clause, clause) for clause in service.clause_ids()])
    filters = service.QuestionFilter(
        **{name: form[name].data or "" for name in ("clause", "type", "dimension", "level", "stale")},
        status=form.status.data or "active",
    )
    page = db.paginate(
        service.list_questions(filters), per_page=current_app.config.get("QUESTIONS_PER_PAGE", 30), error_out=False
    )
    return render_template(
        "question_bank/list.html",
        form=form,
        page=page,
        type_labels=QUESTION_TYPES,
        dimensions=SKILL_DIMENSIONS,
        levels=SKILL_LEVELS,
    )


@bp.get("/bank/<key>")
@roles_required(*STAFF_ADMIN_ROLES)
def show_question(key: str):
    """Preview a question as a rep sees it, then its answer, quote and explanation for review."""
    question = service.get_question(key)
    if question is None:
        abort(404)
    return render_template(
        "question_bank/show.html",
        question=question,
        rep=service.rep_view(question),
        stem_html=service.render_stem(question),
        type_labels=QUESTION_TYPES,
        dimensions=SKILL_DIMENSIONS,
        levels=SKILL_LEVELS,
    )
