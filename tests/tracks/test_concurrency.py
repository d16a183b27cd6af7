"""Two assessors signing the same request at once give one assessment; two completions give one award.

On PostgreSQL the suite's database; on SQLite a file database (an in-memory one has a single connection).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from lms import clock, create_app
from lms.courses.sync import sync_course
from lms.extensions import db as _db
from lms.models import FactKind, RecordEntry, SkillAssessment, SkillAssessmentRequest, SkillLevelAward, User
from lms.question_bank.sync import sync_banks
from lms.tracks import service
from lms.tracks.sync import sync_tracks
from tests.conftest import EXTERNAL_DB

from .track_support import BASIC, cell_of, entry_for, read_lessons, synced_sources, take_quiz


@pytest.fixture
def shared_app(request, tmp_path):
    """An app whose threads each get their own connection, with the course, bank and tracks synced."""
    if EXTERNAL_DB:
        app = request.getfixturevalue("app")
    else:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/tracks.sqlite3",
                "SECRET_KEY": "test-secret",
                "SERVER_NAME": "lms.test",
            }
        )
        with app.app_context():
            _db.create_all()
    course, banks, tracks = synced_sources()
    with app.app_context():
        sync_course(course)
        sync_banks(banks, {})
        sync_tracks(tracks)
        _db.session.commit()
    yield app
    if not EXTERNAL_DB:
        with app.app_context():
            _db.engine.dispose()


def _person(name: str, roles: set[str], **links) -> int:
    person = User(employee_no=name, name=name, email=f"{name}@example.com", active=True, **links)
    person.set_roles(roles)
    _db.session.add(person)
    _db.session.commit()
    return person.id


def _at_once(app, jobs) -> tuple[list, list[str]]:
    """Run each job (a callable, inside its own app context and session) at the same moment."""
    start, results, errors = threading.Barrier(len(jobs)), [], []

    def run(job):
        with app.app_context():
            start.wait()
            try:
                results.append(job())
                _db.session.commit()
            except service.TrackError as error:
                _db.session.rollback()
                results.append(error)
            except Exception as error:  # noqa: BLE001 (any other failure is what the test is about)
                _db.session.rollback()
                errors.append(repr(error))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_assessors_signing_at_once_give_one_assessment(shared_app):
    with shared_app.app_context():
        mentor = _person("mentor", {"mentor"})
        hr = _person("hr", {"hr"})
        rep = _person("rep", {"rep"}, mentor_id=mentor)
        read_lessons(_db.session.get(User, rep), BASIC)
        take_quiz(_db.session.get(User, rep), BASIC)
        request = service.request_assessment(
            _db.session.get(User, rep), cell_of(BASIC), _db.session.get(User, mentor), clock.now()
        )
        _db.session.commit()
        request_id, entry = request.id, entry_for(BASIC, 3)

    def signer(assessor_id):
        def job():
            item = _db.session.get(SkillAssessmentRequest, request_id)
            return service.sign_assessment(item, _db.session.get(User, assessor_id), entry, clock.now()).id

        return job

    results, errors = _at_once(shared_app, [signer(mentor), signer(hr)])
    assert errors == []
    assert sum(isinstance(r, int) for r in results) == 1
    assert [str(r) for r in results if isinstance(r, service.TrackError)] == [
        "这份申请已由他人签署或已撤回，未重复记录。"
    ]
    with shared_app.app_context():
        assert _db.session.query(SkillAssessment).count() == 1
        assert _db.session.query(SkillLevelAward).count() == 1
        kinds = _db.session.scalars(select(RecordEntry.kind).order_by(RecordEntry.seq)).all()
        assert kinds == [FactKind.SKILL_ASSESSMENT, FactKind.SKILL_LEVEL]
        _db.session.remove()


def test_two_requests_at_once_leave_one_open(shared_app):
    with shared_app.app_context():
        mentor = _person("mentor", {"mentor"})
        manager = _person("manager", {"manager"})
        rep = _person("rep", {"rep"}, mentor_id=mentor, manager_id=manager)

    def asker(assessor_id):
        def job():
            person = _db.session.get(User, rep)
            return service.request_assessment(
                person, cell_of(BASIC), _db.session.get(User, assessor_id), clock.now()
            ).id

        return job

    results, errors = _at_once(shared_app, [asker(mentor), asker(manager)])
    assert errors == []
    with shared_app.app_context():
        assert _db.session.query(SkillAssessmentRequest).filter_by(status="open").count() == 1
        _db.session.remove()
    assert sum(isinstance(r, int) for r in results) == 1
