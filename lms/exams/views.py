"""The rep's exam pages: the list, starting, taking (autosave JSON and plain form), submitting, the result.

Writes are only ever on the signed-in person's own attempt: anyone else's
attempt id answers 404, as if it did not exist.
"""

from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms import clock
from lms.access import can_view_person
from lms.database import begin_settling, end_read, reads_first, settles_state
from lms.exams import appeals, attempts, catalog, remediation, results
from lms.exams.errors import AppealError, AttemptFinished, ExamError, UnknownQuestion
from lms.exams.forms import AppealForm, ConfirmForm, answers_from_form
from lms.extensions import db
from lms.models import AttemptStatus, ExamAttempt, FinishReason, User

bp = Blueprint("exams", __name__, url_prefix="/exams")


def _own_attempt(attempt_id: int) -> ExamAttempt:
    """The signed-in person's own attempt, or 404 (HR included: nobody answers for someone else)."""
    attempt = db.session.get(ExamAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _visible_attempt(attempt_id: int) -> ExamAttempt:
    """An attempt the viewer may read: their own, or a person they answer for (manager, mentor, HR)."""
    attempt = db.session.get(ExamAttempt, attempt_id)
    if attempt is None or not can_view_person(current_user, db.session.get(User, attempt.user_id)):
        abort(404)
    return attempt


def _page_size() -> int:
    return current_app.config.get("EXAM_PAGE_SIZE", 5)


@bp.get("/")
@login_required
@settles_state
def my_exams():
    """The exams the person must sit, their attempts and results, and the button to start or resume."""
    now = clock.now()
    cards = catalog.exams_for(current_user, now)
    if _settle_overdue([card.in_progress for card in cards if card.in_progress is not None], now):
        cards = catalog.exams_for(current_user, now)
    return render_template("exams/my_exams.html", cards=cards, form=ConfirmForm(), now=now)


def _settle_overdue(candidates: list[ExamAttempt], now) -> bool:
    """Finish the attempts among `candidates` whose deadline plus grace has passed; True if any was.

    The one way an exam GET writes (lms.database.settles_state): the read ends
    first, and finishing is a conditional UPDATE, so a POST or close-overdue
    that got there first is simply found done.
    """
    if not any(attempts.is_overdue(attempt, now) for attempt in candidates):
        return False
    ids = [attempt.id for attempt in candidates]
    begin_settling(db.session)
    for attempt_id in ids:
        attempts.finish_if_overdue(db.session.get(ExamAttempt, attempt_id), now)
    db.session.commit()
    return True


@bp.post("/<key>/start")
@login_required
@reads_first
def start_exam(key: str):
    """Start a new attempt, or resume the one in progress."""
    exam, bank_state = attempts.exam_to_start(key)
    if exam is None or not ConfirmForm().validate_on_submit():
        abort(404 if exam is None else 400)
    drawn = attempts.draw_paper_for(exam, bank_state=bank_state)
    end_read(db.session)  # the start then writes in a transaction of its own (see lms.database.reads_first)
    try:
        attempt = attempts.start_attempt(exam, current_user, clock.now(), drawn=drawn)
    except ExamError as error:
        db.session.commit()  # keeps an overdue attempt finished on the way
        flash(str(error), "error")
        return redirect(url_for("exams.my_exams"))
    db.session.commit()
    return redirect(url_for("exams.take_attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@login_required
@settles_state
def take_attempt(attempt_id: int):
    """One page of the paper, with the answers saved so far and the server's deadline."""
    attempt = _own_attempt(attempt_id)
    now = clock.now()
    _settle_overdue([attempt], now)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        flash(
            "作答时间已到，试卷已自动提交。" if attempt.finish_reason == FinishReason.DEADLINE else "本次作答已交卷。",
            "info",
        )
        return redirect(url_for("exams.show_result", attempt_id=attempt.id))
    total = len(attempt.questions)
    pages = max(1, math.ceil(total / _page_size()))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    first = (page - 1) * _page_size() + 1
    questions = results.paper_questions(attempt, range(first, first + _page_size()))
    answered = sum(1 for slot in attempt.questions if slot.response)
    return render_template(
        "exams/take.html",
        attempt=attempt,
        exam=attempt.exam,
        questions=questions,
        page=page,
        pages=pages,
        total=total,
        answered=answered,
        now=now,
        errors={},
    )


@bp.post("/attempts/<int:attempt_id>/answers")
@login_required
def autosave(attempt_id: int):
    """JSON autosave: {"answers": {"<slot id>": value or [values]}} (X-CSRFToken header required)."""
    attempt = _own_attempt(attempt_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("answers"), dict):
        return jsonify(error="请求格式无效", message='应提交 {"answers": {题目: 答案}}。'), 400
    try:
        report = attempts.save_answers(attempt, payload["answers"], clock.now())
    except UnknownQuestion as error:
        db.session.rollback()
        return jsonify(error="题目无效", message=str(error)), 400
    except AttemptFinished as error:
        db.session.commit()
        return jsonify(
            error="已结束",
            message=str(error),
            finished=True,
            result_url=url_for("exams.show_result", attempt_id=attempt.id),
        ), 409
    db.session.commit()
    body = {
        "saved": [str(i) for i in report.saved],
        "errors": {str(k): v for k, v in report.errors.items()},
        "saved_at": clock.now().isoformat() + "Z",
    }
    return jsonify(body), 422 if report.errors else 200


@bp.post("/attempts/<int:attempt_id>/page")
@login_required
def save_page(attempt_id: int):
    """Plain-form fallback: save this page's answers, then go to the page asked for (or the summary)."""
    attempt = _own_attempt(attempt_id)
    target = request.form.get("goto", "")
    try:
        report = attempts.save_answers(attempt, answers_from_form(request.form), clock.now())
    except UnknownQuestion as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("exams.take_attempt", attempt_id=attempt.id))
    except AttemptFinished as error:
        db.session.commit()
        flash(str(error), "error")
        return redirect(url_for("exams.show_result", attempt_id=attempt.id))
    db.session.commit()
    if report.errors:
        return _take_with_errors(attempt, report.errors)
    if target == "summary":
        return redirect(url_for("exams.summary", attempt_id=attempt.id))
    return redirect(url_for("exams.take_attempt", attempt_id=attempt.id, page=target or 1))


def _take_with_errors(attempt: ExamAttempt, errors: dict):
    """Show the page again with field messages beside the answers that were not saved."""
    page = request.form.get("page", 1, type=int)
    first = (page - 1) * _page_size() + 1
    questions = results.paper_questions(attempt, range(first, first + _page_size()))
    total = len(attempt.questions)
    answered = sum(1 for slot in attempt.questions if slot.response)
    return render_template(
        "exams/take.html",
        attempt=attempt,
        exam=attempt.exam,
        questions=questions,
        page=page,
        pages=max(1, math.ceil(total / _page_size())),
        total=total,
        answered=answered,
        now=clock.now(),
        errors=errors,
    ), 422


@bp.get("/attempts/<int:attempt_id>/summary")
@login_required
@settles_state
def summary(attempt_id: int):
    """Before submitting: which questions are still unanswered, with links to their pages."""
    attempt = _own_attempt(attempt_id)
    _settle_overdue([attempt], clock.now())
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return redirect(url_for("exams.show_result", attempt_id=attempt.id))
    unanswered = [
        (slot.position, (slot.position - 1) // _page_size() + 1) for slot in attempt.questions if not slot.response
    ]
    return render_template(
        "exams/summary.html",
        attempt=attempt,
        exam=attempt.exam,
        unanswered=unanswered,
        total=len(attempt.questions),
        form=ConfirmForm(),
        now=clock.now(),
    )


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    """Submit and grade, once: a second submit (another tab) lands on the same result."""
    attempt = _own_attempt(attempt_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempts.finish_attempt(attempt, clock.now(), FinishReason.SUBMITTED)
    db.session.commit()
    return redirect(url_for("exams.show_result", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
@settles_state
def show_result(attempt_id: int):
    """Score, pass or fail, chapter breakdown, remediation; the full review once the policy allows."""
    attempt = _visible_attempt(attempt_id)
    now = clock.now()
    _settle_overdue([attempt], now)
    result = attempts.current_result(attempt)
    if result is None:
        return redirect(url_for("exams.take_attempt", attempt_id=attempt.id))
    review = results.review_items(attempt, result) if results.answers_visible(attempt, current_user, now) else None
    person = db.session.get(User, attempt.user_id)
    appeal_until, calendar_problem = appeals.appeal_window(attempt)
    return render_template(
        "exams/result.html",
        attempt=attempt,
        exam=attempt.exam,
        result=result,
        review=review,
        person=person,
        plan=remediation.plan_for(attempt.exam, person),
        best=results.best_result(attempt.exam, person),
        appeals=appeals.appeals_of(attempt),
        appeal_until=appeal_until,
        calendar_problem=calendar_problem,
        form=AppealForm(),
        own=attempt.user_id == current_user.id,
        withheld=review is None and results.review_allowed(attempt.exam, now),
        today=clock.local_date(now),
    )


@bp.post("/attempts/<int:attempt_id>/appeals")
@login_required
def file_appeal(attempt_id: int):
    """Appeal one question of one's own graded attempt (7.4), with a reason."""
    attempt = _own_attempt(attempt_id)
    form = AppealForm()
    if form.validate_on_submit():
        try:
            appeals.file_appeal(attempt, current_user, form.position.data, form.reason.data, clock.now())
        except AppealError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("申诉已提交，人力资源部将在 10 个工作日内答复。", "success")
    else:
        flash("；".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("exams.show_result", attempt_id=attempt.id) + "#appeal")
