"""Load the parsed course (lms.courses.loader) into the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

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


def lesson_row_values(lesson) -> dict:
    """The Lesson columns for one parsed lesson of the loader."""
    return {
        "title": lesson.title,
        "chapter_no": lesson.chapter,
        "chapter_title": lesson.chapter_title,
        "position": lesson.order,
        "reading_minutes": lesson.reading_minutes,
        "body_md": lesson.body,
        "plain_text": lesson.plain_text,
        "source_hash": lesson.source_hash,
    }


def sync_lessons(parsed_lessons, dry_run: bool = False) -> SyncReport:
    """Upsert lessons by clause id; skip unchanged hashes; retire the missing ones.

    A retired lesson that reappears is brought back. Flushes, never commits;
    with `dry_run` nothing is changed in the session.
    """
    report = SyncReport()
    existing = {row.clause_id: row for row in db.session.scalars(select(Lesson))}
    seen = set()
    for lesson in parsed_lessons:
        seen.add(lesson.clause_id)
        values = lesson_row_values(lesson)
        row = existing.get(lesson.clause_id)
        if row is None:
            report.created.append(lesson.clause_id)
            if not dry_run:
                db.session.add(Lesson(clause_id=lesson.clause_id, **values))
        elif row.source_hash == values["source_hash"] and row.position == values["position"] and not row.retired:
            report.unchanged.append(lesson.clause_id)
        else:
            report.updated.append(lesson.clause_id)
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
