"""The remediation plan (5.1(4) 反馈修正): lessons of the clauses missed, in guide order.

A clause is missed when any of its questions on the counting (best) attempt
earned less than full points. A lesson counts as done once it is completed
after that result was graded, so reading it again is what clears the to-do.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from lms.exams.results import best_result
from lms.extensions import db
from lms.models import AttemptResult, Exam, ExamKind, Lesson, LessonProgress, Question, User


@dataclass(frozen=True)
class RemediationItem:
    clause_id: str
    title: str
    done: bool


def missed_clauses(result: AttemptResult) -> set[str]:
    """Clauses of the questions not fully right on `result` (voided questions excluded)."""
    missed = {row[0] for row in result.items if not row[4] and Decimal(row[2]) < 1}
    if not missed:
        return set()
    return set(db.session.scalars(select(Question.clause).where(Question.id.in_(missed))))


def plan_for(exam: Exam, user: User, result: AttemptResult | None = None) -> list[RemediationItem]:
    """The person's remediation lessons for `exam`, in course order, each marked done or not."""
    result = result or best_result(exam, user)
    if result is None:
        return []
    clauses = missed_clauses(result)
    if not clauses:
        return []
    lessons = db.session.scalars(
        select(Lesson).where(Lesson.clause_id.in_(clauses), Lesson.retired_at.is_(None)).order_by(Lesson.position)
    ).all()
    done = set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user.id,
                LessonProgress.lesson_id.in_([lesson.id for lesson in lessons] or [0]),
                LessonProgress.completed_at >= result.graded_at,
            )
        )
    )
    return [RemediationItem(lesson.clause_id, lesson.title, lesson.id in done) for lesson in lessons]


def dashboard_todo(user: User) -> list[tuple[Exam, list[RemediationItem]]]:
    """For the rep's dashboard: per exam with a result, the remediation lessons not yet done."""
    exam_ids = db.session.scalars(
        select(AttemptResult.exam_id).where(AttemptResult.user_id == user.id).distinct()
    ).all()
    todo = []
    quarterly = select(Exam).where(Exam.id.in_(exam_ids or [0]), Exam.kind == ExamKind.QUARTERLY)
    for exam in db.session.scalars(quarterly.order_by(Exam.closes_at.desc())):
        items = [item for item in plan_for(exam, user) if not item.done]
        if items:
            todo.append((exam, items))
    return todo
