"""The course page, lessons, 「完成本节」, the 简/繁 preference, and search."""

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2 import pass_context

from lms.cases.service import published_cases_for_clause
from lms.courses import service
from lms.courses.forms import CompleteForm, ScriptPreferenceForm, SearchForm
from lms.courses.loader import course_title
from lms.courses.render import in_script, render_lesson
from lms.extensions import db

bp = Blueprint("courses", __name__, url_prefix="/course")


@bp.app_template_filter("script")
@pass_context  # a context filter is never folded at compile time: '标题'|script must follow each reader
def script_filter(context, text: str) -> str:
    """Show a short text (a title) in the reader's preferred script."""
    return in_script(text, getattr(current_user, "preferred_script", "hans"))  # anonymous: 简体


def _course_title() -> str:
    """The title of the configured course (its index), for the pages that head with it."""
    return course_title(Path(current_app.config["CONTENT_DIR"])) or "课程"


@bp.get("/")
@login_required
def index():
    """Chapters and lessons with the reader's progress, and where to resume."""
    outline = service.course_outline(current_user)
    resume = service.last_read(current_user)
    return render_template(
        "courses/index.html", outline=outline, resume=resume, form=SearchForm(), course_title=_course_title()
    )


@bp.get("/<clause_id>")
@login_required
def lesson(clause_id: str):
    """One lesson, rendered from cache, with its table of contents and neighbours."""
    page = service.open_lesson(current_user, clause_id)
    if page is None:
        abort(404)
    lesson_cases = published_cases_for_clause(clause_id, limit=10) if page.has_cases else []
    if page.moved_here:  # a reader coming back to the lesson they read last writes nothing
        db.session.commit()  # ends the read-only transaction (see lms.database) before writing
        service.record_reading(current_user, page.lesson.id)
        db.session.commit()
    rendered = render_lesson(
        page.lesson.source_hash, lambda: service.lesson_markdown(page.lesson.id), current_user.preferred_script
    )
    return render_template(
        "courses/lesson.html", page=page, lesson=page.lesson, rendered=rendered, lesson_cases=lesson_cases
    )


@bp.post("/<clause_id>/complete")
@login_required
def complete(clause_id: str):
    """Mark the lesson done, then go on to the next one."""
    lesson = service.lesson_by_clause(clause_id)
    if lesson is None:
        abort(404)
    if not CompleteForm().validate_on_submit():
        abort(400)
    try:
        newly = service.mark_complete(current_user, lesson)
    except service.LessonRetired as error:
        flash(str(error), "error")
        return redirect(url_for("courses.lesson", clause_id=clause_id))
    db.session.commit()
    flash("已完成本节。" if newly else "本节此前已完成。", "success")
    following = service.open_lesson(current_user, clause_id).following  # the page's own neighbour query
    target = following.clause_id if following else clause_id
    return redirect(url_for("courses.lesson", clause_id=target))


@bp.route("/preference", methods=["GET", "POST"])
@login_required
def preference():
    """Choose 简体 or 繁體 for reading lessons."""
    form = ScriptPreferenceForm(script=current_user.preferred_script)
    if form.validate_on_submit():
        current_user.preferred_script = form.script.data
        db.session.commit()
        flash("阅读字体已保存。", "success")
        return redirect(url_for("courses.index"))
    return render_template("courses/preference.html", form=form)


@bp.get("/search")
@login_required
def search():
    """Search the lessons in either script; hits, snippets and titles come in the reader's script."""
    form = SearchForm(request.args)
    hits = service.search_lessons(form.q.data, current_user.preferred_script) if form.validate() and form.q.data else []
    return render_template("courses/search.html", form=form, hits=hits, course_title=_course_title())
