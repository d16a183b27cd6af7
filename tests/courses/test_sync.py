"""Loading lessons into the database: upsert, skip unchanged, retire, report."""

from pathlib import Path

from sqlalchemy import select

from lms.courses.loader import load_course
from lms.courses.sync import sync_course, sync_lessons
from lms.models import Lesson


def parsed(clause_id, order, digest="h1"):
    values = {
        "title": f"{clause_id} 标题",
        "chapter_no": 1,
        "chapter_title": "总则",
        "position": order,
        "reading_minutes": 1,
        "body_md": "正文",
        "plain_text": "正文",
        "source_hash": digest,
    }
    return clause_id, values


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
    assert report.summary == "新增 0 课，更新 3 课，未变 0 课，停用 0 课"


def test_dry_run_changes_nothing(db):
    report = sync_lessons([parsed("1.1", 1)], dry_run=True)
    assert report.created == ["1.1"]
    db.session.commit()
    assert db.session.scalars(select(Lesson)).all() == []
    sync_lessons([parsed("1.1", 1)])
    report = sync_lessons([parsed("1.1", 1, "new")], dry_run=True)
    assert report.updated == ["1.1"]
    assert db.session.scalars(select(Lesson.source_hash)).one() == "h1"


def test_sync_the_shipped_course(app, db):
    course = load_course(Path(app.config["CONTENT_DIR"]))
    report = sync_course(course)
    lessons = sum(len(chapter.lessons) for chapter in course.chapters)
    assert len(report.created) == lessons
    db.session.commit()
    assert sync_course(course).unchanged == report.created
    first = db.session.scalars(select(Lesson).order_by(Lesson.position)).first()
    assert first.clause_id == "1" and "#" not in first.plain_text
