"""Loading lessons into the database: upsert, skip unchanged, retire, report."""

from dataclasses import dataclass, replace

from sqlalchemy import select

from lms.courses.sync import sync_lessons
from lms.models import Lesson


@dataclass(frozen=True)
class ParsedLesson:
    clause_id: str
    title: str
    chapter: int
    chapter_title: str
    order: int
    reading_minutes: int
    body: str
    plain_text: str
    source_hash: str


def parsed(clause_id, order, digest="h1"):
    return ParsedLesson(clause_id, f"{clause_id} 标题", 1, "总则", order, 1, "正文", "正文", digest)


def test_sync_creates_updates_skips_and_retires(db):
    report = sync_lessons([parsed("1.1", 1), parsed("1.2", 2)])
    assert (report.created, report.updated) == (["1.1", "1.2"], [])
    db.session.commit()
    report = sync_lessons([parsed("1.1", 1), parsed("1.3", 2, "h2")])
    assert report.unchanged == ["1.1"] and report.created == ["1.3"] and report.retired == ["1.2"]
    db.session.commit()
    retired = db.session.scalars(select(Lesson).where(Lesson.clause_id == "1.2")).one()
    assert retired.retired_at is not None  # kept, so progress stays valid
    report = sync_lessons([parsed("1.1", 1, "changed"), parsed("1.2", 2), parsed("1.3", 3, "h2")])
    assert report.updated == ["1.1", "1.2", "1.3"]
    assert report.summary() == "新增 0，更新 3，未变 0，停用 0"


def test_dry_run_changes_nothing(db):
    report = sync_lessons([parsed("1.1", 1)], dry_run=True)
    assert report.created == ["1.1"]
    db.session.commit()
    assert db.session.scalars(select(Lesson)).all() == []
    sync_lessons([parsed("1.1", 1)])
    report = sync_lessons([replace(parsed("1.1", 1), source_hash="new")], dry_run=True)
    assert report.updated == ["1.1"]
    assert db.session.scalars(select(Lesson.source_hash)).one() == "h1"
