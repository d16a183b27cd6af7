"""Load the parsed course (lms.courses.loader) into the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from lms.courses import loader
from lms.extensions import db
from lms.models import Lesson, utcnow


@dataclass
class SyncReport:
    """What a sync did (or, on a dry run, would do), by clause id."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"新增 {len(self.created)}，更新 {len(self.updated)}，"
            f"未变 {len(self.unchanged)}，停用 {len(self.retired)}"
        )


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
    report = SyncReport()
    existing = {row.clause_id: row for row in db.session.scalars(select(Lesson))}
    seen = set()
    for clause_id, values in rows:
        seen.add(clause_id)
        row = existing.get(clause_id)
        if row is None:
            report.created.append(clause_id)
            if not dry_run:
                db.session.add(Lesson(clause_id=clause_id, **values))
        elif row.source_hash == values["source_hash"] and row.position == values["position"] and not row.retired:
            report.unchanged.append(clause_id)
        else:
            report.updated.append(clause_id)
            if not dry_run:
                for name, value in values.items():
                    setattr(row, name, value)
                row.retired_at = None
    for clause_id, row in existing.items():
        if clause_id not in seen and not row.retired:
            report.retired.append(clause_id)
            if not dry_run:
                row.retired_at = utcnow()
    db.session.flush()
    return report
