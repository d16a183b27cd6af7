"""Pages of improvement suggestions: submit, mine, my team's, one suggestion and its decision."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms import clock
from lms.access import STAFF_ADMIN_ROLES, Relation, followed_by, roles_required
from lms.extensions import db
from lms.forms import show_error
from lms.models import SUGGESTION_STATUS_LABELS, Suggestion
from lms.suggestions import service
from lms.suggestions.forms import DecisionForm, SuggestionForm

bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")


def _per_page() -> int:
    return current_app.config.get("SUGGESTIONS_PER_PAGE", 30)


@bp.get("/")
@login_required
def my_suggestions():
    """My suggestions, newest first."""
    page = db.paginate(service.mine(current_user), per_page=_per_page(), error_out=False)
    return render_template("suggestions/mine.html", page=page, labels=SUGGESTION_STATUS_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_suggestion():
    """Submit a suggestion naming the guide clause it improves."""
    form = SuggestionForm()
    if form.validate_on_submit():
        data = service.SuggestionData(form.title.data, form.body.data, form.clause.data)
        try:
            suggestion = service.submit(data, current_user, clock.now())
        except service.SuggestionError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash("建议已提交，将由您的直属主管处理。", "success")
            return redirect(url_for("suggestions.show_suggestion", suggestion_id=suggestion.id))
    return render_template("suggestions/form.html", form=form)


@bp.get("/team")
@roles_required("manager", *STAFF_ADMIN_ROLES)
def team_suggestions():
    """The suggestions of the people I manage (HR and admin: everyone's), pending first."""
    condition = (
        followed_by(current_user)
        if current_user.has_role(*STAFF_ADMIN_ROLES)
        else followed_by(current_user, Relation.MANAGER)
    )
    page = db.paginate(service.of_people(condition), per_page=_per_page(), error_out=False)
    return render_template("suggestions/team.html", page=page, labels=SUGGESTION_STATUS_LABELS)


def _suggestion_or_404(suggestion_id: int) -> Suggestion:
    suggestion = db.session.get(Suggestion, suggestion_id)
    if suggestion is None or not service.may_view(suggestion, current_user):
        abort(404)
    return suggestion


@bp.get("/<int:suggestion_id>")
@login_required
def show_suggestion(suggestion_id: int):
    """One suggestion; its author's manager sees the decision form."""
    suggestion = _suggestion_or_404(suggestion_id)
    return _render(suggestion, DecisionForm())


def _render(suggestion: Suggestion, form: DecisionForm):
    return render_template(
        "suggestions/show.html",
        suggestion=suggestion,
        form=form,
        may_decide=service.may_decide(suggestion, current_user),
        labels=SUGGESTION_STATUS_LABELS,
    )


@bp.post("/<int:suggestion_id>/decide")
@login_required
def decide_suggestion(suggestion_id: int):
    """The author's manager adopts or declines with a reason; anyone else gets 403 (HR, other managers, the author)."""
    suggestion = db.session.get(Suggestion, suggestion_id) or abort(404)
    if not service.may_decide(suggestion, current_user):
        abort(403)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            service.decide(suggestion, current_user, form.decision.data == "adopt", form.reason.data, clock.now())
        except service.SuggestionError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash("已处理。", "success")
            return redirect(url_for("suggestions.show_suggestion", suggestion_id=suggestion.id))
    return _render(suggestion, form)
