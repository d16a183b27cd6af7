"""Finishing the new-hire program in the development-incentive record (issue 14, 2).

When a rep completes the last lesson of the onboarding program, the same
transaction records one `onboarding_finished` fact about them (source
``user:<id>``): on time or late, by how many calendar and working days.
People outside the program (exempted, hired before it applied, no hire date)
get none. `expected_facts` recomputes the facts from the people and their
lesson progress for `lms record rebuild --check`; since it reads today's
program file, a program changed after people finished shows up there as a
difference to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.models import FactKind, Lesson, LessonProgress, User
from lms.onboarding.program import OnboardingProgram, ProgramError, program_in
from lms.onboarding.service import (
    OnboardingScopeError,
    due_date_for,
    exemption_for,
    parse_applies_from,
    program_lesson_ids,
)
from lms.record import service as record

FACT_KINDS = (FactKind.ONBOARDING_FINISHED,)


def source_of(person_id: int) -> str:
    """The ledger source of a person's onboarding fact (one per person)."""
    return f"user:{person_id}"


def finished_payload(hire_date: date, due_date: date, finished_on: date) -> dict:
    """The payload of an onboarding_finished fact (/tmp/facts_contract.md).

    `working_days_late` counts China's working days after the due date up to
    the finishing day; it is None when the working-day calendar does not
    cover those days (finishing a lesson must not fail on a missing calendar).
    """
    late = finished_on > due_date
    try:
        working_days_late = clock.working_days_between(due_date, finished_on) if late else 0
    except clock.CalendarUnknown:
        working_days_late = None
    return {
        "hire_date": hire_date.isoformat(),
        "due_date": due_date.isoformat(),
        "finished_on": finished_on.isoformat(),
        "on_time": not late,
        "days_late": (finished_on - due_date).days if late else 0,
        "working_days_late": working_days_late,
    }


def _program() -> tuple[OnboardingProgram, date | None] | None:
    """The configured program and ONBOARDING_APPLIES_FROM; None (logged) when either cannot be read."""
    try:
        program = program_in(current_app.config["CONTENT_DIR"])
        return program, parse_applies_from(current_app.config.get("ONBOARDING_APPLIES_FROM"))
    except (ProgramError, OnboardingScopeError) as error:
        current_app.logger.warning("入职培训计划无法读取，不记录完成入职培训的档案：%s", error)
        return None


def _fact(person: User, program: OnboardingProgram, finished_at: datetime) -> record.NewFact:
    due = due_date_for(person, program)
    return record.NewFact(
        FactKind.ONBOARDING_FINISHED,
        subject_id=person.id,
        source=source_of(person.id),
        occurred_at=finished_at,
        payload=finished_payload(person.hire_date, due, clock.local_date(finished_at)),
    )


def _in_program(person: User, applies_from: date | None) -> bool:
    # The program is for new reps (lms.onboarding.service.is_onboarding): others are not chased, nor recorded.
    return person.hire_date is not None and person.has_role("rep") and exemption_for(person, applies_from) is None


def lesson_completed(person: User, lesson: Lesson) -> None:
    """After `person` completed `lesson` (flushed): record their onboarding fact if that finished the program.

    Called by lms.courses.service.mark_complete in the completing transaction.
    """
    loaded = _program()
    if loaded is None:
        return
    program, applies_from = loaded
    if lesson.clause_id not in program.clause_ids or not _in_program(person, applies_from):
        return
    lesson_ids = program_lesson_ids(program)
    count, finished_at = db.session.execute(
        select(func.count(LessonProgress.id), func.max(LessonProgress.completed_at)).where(
            LessonProgress.user_id == person.id,
            LessonProgress.lesson_id.in_(lesson_ids),
            LessonProgress.completed_at.is_not(None),
        )
    ).one()
    if lesson_ids and count == len(lesson_ids):
        record.record_current([_fact(person, program, finished_at)])


def expected_facts() -> Iterator[dict]:
    """For `lms record rebuild --check`: the fact of everyone in the program who completed all its lessons."""
    loaded = _program()
    if loaded is None:
        return
    program, applies_from = loaded
    lesson_ids = program_lesson_ids(program)
    if not lesson_ids:
        return
    finished = (
        select(LessonProgress.user_id, func.max(LessonProgress.completed_at).label("finished_at"))
        .where(LessonProgress.lesson_id.in_(lesson_ids), LessonProgress.completed_at.is_not(None))
        .group_by(LessonProgress.user_id)
        .having(func.count(LessonProgress.id) == len(lesson_ids))
        .subquery()
    )
    stmt = select(User, finished.c.finished_at).join(finished, finished.c.user_id == User.id).order_by(User.id)
    for person, finished_at in db.session.execute(stmt):
        if _in_program(person, applies_from):
            fact = _fact(person, program, finished_at)
            yield {
                "kind": fact.kind,
                "subject_id": fact.subject_id,
                "source": fact.source,
                "occurred_at": fact.occurred_at,
                "payload": fact.payload,
            }
