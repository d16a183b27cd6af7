"""Load the parsed course (lms.courses.loader) into the database."""

from __future__ import annotations

from sqlalchemy import select

from lms import clock
from lms.courses import loader
from lms.extensions import db
from lms.models import Lesson
from lms.sync import SyncReport, Upsert, retired_at_marks, upsert_and_retire


def lesson_row_values(lesson: loader.Lesson, chapter_title: str) -> dict:
    """The Lesson columns for one lesson of the parsed course."""
    return {
        "title": lesson.title,
        "chapter_no": lesson.chapter,
        "chapter_title": chapter_title,
        "position": lesson.order,
        "reading_minutes": lesson.reading_minutes,
        "body_md": lesson.body,
        "plain_text": loader.plain_text(lesson.body),
        "source_hash": lesson.source_hash,
    }


def sync_course(course: loader.Course, dry_run: bool = False) -> SyncReport:
    """Upsert every lesson of a parsed course (see sync_lessons)."""
    rows = [
        (lesson.clause_id, lesson_row_values(lesson, chapter.title))
        for chapter in course.chapters
        for lesson in chapter.lessons
    ]
    return sync_lessons(rows, dry_run)


def sync_lessons(rows: list[tuple[str, dict]], dry_run: bool = False) -> SyncReport:
    """Upsert (clause id, column values) rows; skip unchanged hashes; retire the missing ones.

    A retired lesson that reappears is brought back. Flushes, never commits;
    with `dry_run` nothing is changed in the session.
    """
    existing = {row.clause_id: row for row in db.session.scalars(select(Lesson))}
    how = Upsert(
        unchanged=lambda row, values: row.source_hash == values["source_hash"] and row.position == values["position"],
        create=lambda clause_id, values: db.session.add(Lesson(clause_id=clause_id, **values)),
        update=_write_lesson,
        **retired_at_marks(clock.now()),
    )
    report = upsert_and_retire(existing, rows, how, SyncReport(noun="课"), dry_run)
    db.session.flush()
    return report


def _write_lesson(row: Lesson, values: dict) -> None:
    for name, value in values.items():
        setattr(row, name, value)
