"""Fixtures and helpers for the skill-track service and page tests: the repository's course, bank and tracks synced.

Test modules import them with `from .track_support import *`.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import clock
from lms.courses.loader import load_course
from lms.courses.sync import sync_course
from lms.exams import attempts
from lms.extensions import db as _db
from lms.models import AttemptQuestion, Lesson, LessonProgress, SkillCell, User, utcnow
from lms.question_bank.loader import load_banks
from lms.question_bank.sync import sync_banks
from lms.tracks import service
from lms.tracks.check import check_tracks_file
from lms.tracks.sync import sync_tracks
from tests.exams.exam_support import answer_for

REPO = Path(__file__).resolve().parents[2]
CONTENT, QUIZZES = REPO / "content", REPO / "quizzes"

__all__ = [
    "tracks_db",
    "frozen",
    "people",
    "cell_of",
    "read_lessons",
    "take_quiz",
    "entry_for",
    "sign",
    "complete_level",
    "BASIC",
    "INTERMEDIATE",
]

BASIC, INTERMEDIATE = "communication/basic", "communication/intermediate"


@lru_cache(maxsize=1)
def synced_sources():
    """The repository's course, banks and tracks, loaded once per run (tracks checked like `lms content check`)."""
    check = check_tracks_file(CONTENT, QUIZZES)
    assert check and not check.problems, check.problems if check else "no tracks file"
    return load_course(CONTENT), load_banks(QUIZZES), check.tracks


@pytest.fixture
def tracks_db(app):
    """The repository's course, question bank and skill tracks synced into the test database."""
    course, banks, tracks = synced_sources()
    with app.app_context():
        sync_course(course)
        sync_banks(banks, {})
        sync_tracks(tracks)
        _db.session.commit()
    return tracks


@pytest.fixture
def frozen(monkeypatch):
    """Freeze the clock (naive UTC); frozen(**delta) moves it, frozen.get() reads it."""
    state = {"now": datetime(2026, 11, 2, 2, 0)}  # a Monday, 10:00 in Beijing
    monkeypatch.setattr(clock, "now", lambda: state["now"])

    def move(value=None, **delta):
        state["now"] = value if value is not None else state["now"] + timedelta(**delta)
        return state["now"]

    move.get = lambda: state["now"]
    return move


@pytest.fixture
def people(make_user):
    """A manager, a mentor, their rep, an outsider rep and HR (detached Users, by name)."""
    manager = make_user(roles=("manager",), name="马经理")
    mentor = make_user(roles=("mentor",), name="秦导师")
    rep = make_user(roles=("rep",), name="李销售", manager_id=manager.id, mentor_id=mentor.id, team="华东")
    other = make_user(roles=("rep",), name="外人")
    other_manager = make_user(roles=("manager",), name="别组经理")
    hr = make_user(roles=("hr",), name="韩人事")
    return {"manager": manager, "mentor": mentor, "rep": rep, "other": other, "other_manager": other_manager, "hr": hr}


def cell_of(key: str) -> SkillCell:
    """The synced cell with `key` (inside an app context)."""
    return _db.session.scalars(select(SkillCell).where(SkillCell.key == key)).one()


def read_lessons(user: User, key: str) -> None:
    """Mark every lesson of the cell completed for `user`, and commit."""
    for clause in cell_of(key).lessons:
        lesson = _db.session.scalars(select(Lesson).where(Lesson.clause_id == clause)).one()
        done = _db.session.scalars(
            select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
        ).first()
        if done is None:
            _db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=utcnow()))
    _db.session.commit()


def take_quiz(user: User, key: str, right: bool = True):
    """Start the cell's level quiz, answer every question right (or wrong), submit, commit; returns the result.

    Grading calls lms.tracks.service.level_quiz_graded itself (lms.exams.facts.record_result).
    """
    person = _db.session.get(User, user.id)
    attempt = service.start_level_quiz(person, cell_of(key), clock.now(), random.Random(7))
    _db.session.commit()
    slots = _db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)).all()
    answers = {str(slot.id): answer_for(slot, right) for slot in slots}
    attempts.save_answers(attempt, answers, clock.now())
    result = attempts.finish_attempt(attempt, clock.now())
    _db.session.commit()
    return result


def entry_for(key: str, score: int = 3, **overrides) -> service.AssessmentEntry:
    """An assessment entry giving every criterion of the cell `score`."""
    rubric = service.rubric_of(cell_of(key))
    values = {
        "assessed_on": clock.today(),
        "scenario": cell_of(key).assessment["scenario"],
        "scenario_detail": "导师扮演客户，10 分钟接待对话",
        "scores": tuple(service.CriterionScore(c["key"], score, f"{c['name']}表现") for c in rubric["criteria"]),
        "evidence_md": "**表现良好**<script>alert(1)</script>",
    }
    values.update(overrides)
    return service.AssessmentEntry(**values)


def sign(user: User, assessor: User, key: str, score: int = 3):
    """Request an assessment from `assessor` and sign it with every criterion at `score`; commit; the assessment."""
    request = service.request_assessment(
        _db.session.get(User, user.id), cell_of(key), _db.session.get(User, assessor.id), clock.now()
    )
    _db.session.commit()
    assessment = service.sign_assessment(
        request, _db.session.get(User, assessor.id), entry_for(key, score), clock.now()
    )
    _db.session.commit()
    return assessment


def complete_level(user: User, assessor: User, key: str):
    """Read, pass and get signed off on one cell; the current award."""
    read_lessons(user, key)
    take_quiz(user, key)
    sign(user, assessor, key)
    return next(s for s in service.cell_states(_db.session.get(User, user.id)) if s.cell.key == key).award
