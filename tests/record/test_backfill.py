"""Migration 0013 backfills facts for data older than the ledger, chained as append_fact chains them."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.database import database_uri
from lms.extensions import db as _db
from lms.models import (
    AttemptResult,
    Exam,
    ExamAttempt,
    FactKind,
    Lesson,
    LessonProgress,
    RecordEntry,
    User,
)
from lms.models.cases import CaseRating, CaseReview, CaseVersion, SharingAttendance, SharingSession
from lms.record import rebuild, service

GRADED = datetime(2026, 11, 3, 2, 0)


@pytest.fixture
def app_at_0012(tmp_path, program_dir_path):
    """An app on a brand-new database migrated up to 0012 (the revision before the backfill)."""
    external = os.environ.get("LMS_TEST_DATABASE_URL")
    config = {"TESTING": True, "CONTENT_DIR": str(program_dir_path), "SECRET_KEY": "test-secret"}
    if not external:
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/backfill.sqlite3"})
        with app.app_context():
            upgrade(revision="0012")
        yield app
        with app.app_context():
            _db.engine.dispose()
        return
    server = make_url(database_uri(external, ""))
    name = f"lms_backfill_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        uri = server.set(database=name).render_as_string(hide_password=False)
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": uri})
        with app.app_context():
            upgrade(revision="0012")
        yield app
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def program_dir_path(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "onboarding.yaml").write_text(
        'title: 新员工入职基础培训\ndue_months: 1\nlessons:\n  - "1.1"\n  - "1.2"\n', encoding="utf-8"
    )
    return folder


def _person(number: int, roles: set[str], **fields) -> User:
    person = User(employee_no=f"E{number}", name=f"员工{number}", email=f"e{number}@example.com", active=True, **fields)
    person.set_roles(roles)
    _db.session.add(person)
    return person


def _old_data() -> dict:
    """Rows as the features stored them before the ledger existed: plain inserts, no facts."""
    rep = _person(1, {"rep"}, hire_date=date(2026, 10, 1))
    _person(2, {"manager"})
    raters = [_person(10 + i, {"rep"}) for i in range(3)]
    absent = _person(20, {"rep"})
    lessons = [
        Lesson(
            clause_id=c,
            title=c,
            chapter_no=1,
            chapter_title="一",
            position=i,
            body_md="",
            plain_text="",
            source_hash="x",
        )
        for i, c in enumerate(("1.1", "1.2"))
    ]
    _db.session.add_all(lessons)
    _db.session.flush()
    _db.session.add_all(
        LessonProgress(user_id=rep.id, lesson_id=lesson.id, completed_at=datetime(2026, 10, 30, 1, i))
        for i, lesson in enumerate(lessons)
    )
    exam = Exam(
        key="Q4",
        title="第四季度考试",
        quarter="2026-Q4",
        opens_at=GRADED,
        closes_at=GRADED,
        time_limit_minutes=60,
        pass_mark=Decimal(80),
        definition_hash="x",
    )
    _db.session.add(exam)
    _db.session.flush()
    attempt = ExamAttempt(exam_id=exam.id, user_id=rep.id, number=1, status="finished", deadline_at=GRADED)
    _db.session.add(attempt)
    _db.session.flush()
    common = dict(attempt_id=attempt.id, exam_id=exam.id, user_id=rep.id, points_possible=Decimal(100))
    first = AttemptResult(
        **common,
        sequence=1,
        score=Decimal(78),
        points_awarded=Decimal(78),
        passed=False,
        reason="submitted",
        graded_at=GRADED,
    )
    _db.session.add(first)
    _db.session.flush()
    regrade = AttemptResult(
        **common,
        sequence=2,
        score=Decimal("81.25"),
        points_awarded=Decimal("81.25"),
        passed=True,
        reason="regrade",
        supersedes_id=first.id,
        graded_at=datetime(2026, 11, 10, 2, 0),
    )
    _db.session.add(regrade)
    published = datetime(2026, 11, 4, 2, 0)
    case = CaseReview(
        author_id=rep.id, status="published", published_number=1, published_at=published, first_published_at=published
    )
    _db.session.add(case)
    _db.session.flush()
    _db.session.add(CaseVersion(case_id=case.id, number=1, title="回款复盘", published_at=published))
    for i, rater in enumerate(raters):
        _db.session.add(
            CaseRating(
                case_id=case.id,
                rater_id=rater.id,
                quality=4,
                application=4,
                engagement=3,
                improvement=3 + i,
                created_at=datetime(2026, 11, 5, 2, i),
            )
        )
    session = SharingSession(month="2026-11", title="十一月分享会", held_on=date(2026, 11, 20))
    _db.session.add(session)
    _db.session.flush()
    _db.session.add_all(
        [
            SharingAttendance(session_id=session.id, user_id=rep.id, attended=True),
            SharingAttendance(session_id=session.id, user_id=absent.id, attended=False),
        ]
    )
    _db.session.commit()
    return {"rep": rep.id, "attempt": attempt.id, "regrade": regrade.id, "case": case.id, "session": session.id}


def test_an_empty_database_gets_no_facts(app_at_0012):
    with app_at_0012.app_context():
        upgrade()
        assert _db.session.scalars(select(RecordEntry)).all() == []


def test_old_data_gets_backfilled_facts_that_verify_and_match_the_rebuild(app_at_0012):
    with app_at_0012.app_context():
        ids = _old_data()
        upgrade()
        entries = _db.session.scalars(select(RecordEntry).order_by(RecordEntry.seq)).all()
        assert all(e.backfilled and e.recorded_by_id is None and e.supersedes_seq is None for e in entries)
        by_kind = {(e.kind, e.source): e for e in entries}
        assert set(by_kind) == {
            (FactKind.ONBOARDING_FINISHED, f"user:{ids['rep']}"),
            (FactKind.EXAM_GRADED, f"exam_attempt:{ids['attempt']}"),
            (FactKind.CASE_REVIEW_PUBLISHED, f"case_review:{ids['case']}"),
            (FactKind.CASE_RATING_SUMMARY, f"case_review:{ids['case']}"),
            (FactKind.SHARING_ATTENDED, f"sharing_attendance:{ids['session']}-{ids['rep']}"),
        }
        # In the order things happened; the exam's current (regraded) result only.
        assert [e.kind for e in entries] == [
            "onboarding_finished",
            "case_review_published",
            "case_rating_summary",
            "exam_graded",
            "sharing_attended",
        ]
        graded = by_kind[(FactKind.EXAM_GRADED, f"exam_attempt:{ids['attempt']}")].payload_data
        assert (graded["score"], graded["passed"], graded["result_id"], graded["reason"]) == (
            "81.25",
            True,
            ids["regrade"],
            "regrade",
        )
        assert by_kind[(FactKind.ONBOARDING_FINISHED, f"user:{ids['rep']}")].payload_data["on_time"] is True
        assert (
            by_kind[(FactKind.CASE_RATING_SUMMARY, f"case_review:{ids['case']}")].payload_data["mean"] == "3.75"
        )  # (14 + 15 + 16) / 12
        report = service.verify_chain()
        assert (report.ok, report.count) == (True, 5)
        assert rebuild.check().ok
        _db.session.remove()


def test_sources_that_already_have_facts_are_not_doubled(app_at_0012):
    with app_at_0012.app_context():
        ids = _old_data()
        service.append_fact(
            FactKind.EXAM_GRADED, subject_id=ids["rep"], occurred_at=GRADED, source=f"exam_attempt:{ids['attempt']}"
        )
        _db.session.commit()
        upgrade()
        entries = _db.session.scalars(select(RecordEntry).order_by(RecordEntry.seq)).all()
        assert len(entries) == 5 and not entries[0].backfilled and all(e.backfilled for e in entries[1:])
        assert [e.source for e in entries].count(f"exam_attempt:{ids['attempt']}") == 1
        assert service.verify_chain().ok
        _db.session.remove()
