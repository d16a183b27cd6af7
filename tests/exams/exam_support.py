"""Shared fixtures and helpers for the exam tests (issue 6): the guide bank synced, exams, answers.

Test modules import the fixtures with `from .exam_support import *`.
"""

from __future__ import annotations

import dataclasses
import random
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import event, select

from lms import clock
from lms.exams import attempts, catalog, options
from lms.exams.definitions import Draw, ExamDefinition
from lms.extensions import db as _db
from lms.models import AttemptQuestion, Exam, ExamAttempt, Question, User, utcnow
from lms.question_bank.loader import load_banks
from lms.question_bank.sync import sync_banks

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "quizzes" / "exams" / "2026-Q4.yaml"

__all__ = ["bank", "statements", "exam_factory", "answer_for", "start", "frozen_now", "REPO", "SHIPPED", "paper_of"]


@lru_cache(maxsize=1)
def _guide_banks():
    return [bank for bank in load_banks(REPO / "quizzes") if bank.name == "guide"]


@pytest.fixture
def bank(app):
    """The shipped guide bank (175 questions) synced into the test database."""
    with app.app_context():
        sync_banks(_guide_banks(), {})
        _db.session.commit()


@pytest.fixture
def statements(app):
    """statements() -> a context manager yielding the list of SQL statements sent while it is open."""

    @contextmanager
    def counting():
        with app.app_context():
            engine = _db.engine
        seen: list[str] = []

        def listener(_connection, _cursor, statement, _parameters, _context, _executemany):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", listener)

    return counting


@pytest.fixture
def frozen_now(monkeypatch):
    """Freeze the exam clock; returns a setter: frozen_now(datetime) moves it."""
    state = {"now": utcnow().replace(microsecond=0)}
    monkeypatch.setattr(clock, "now", lambda: state["now"])

    def move(value=None, **delta):
        state["now"] = value if value is not None else state["now"] + timedelta(**delta)
        return state["now"]

    move.get = lambda: state["now"]
    return move


@pytest.fixture
def exam_factory(app, bank, frozen_now):
    """exam_factory(**overrides) -> Exam: a 10-question exam (10 points each) open now unless overridden."""

    def factory(**overrides) -> Exam:
        now = frozen_now.get()
        base = ExamDefinition(
            key=overrides.pop("key", "T-1"),
            title="测试考试",
            quarter="2026-Q4",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
            time_limit_minutes=60,
            grace_seconds=30,
            attempts_allowed=2,
            pass_mark=Decimal(80),
            partial_credit=False,
            shuffle_questions=True,
            shuffle_options=True,
            review_policy="after_close",
            audience={"roles": ["rep"], "teams": []},
            draws=(Draw(count=5, points=Decimal(10), chapter="2"), Draw(count=5, points=Decimal(10), chapter="5")),
            file="test.yaml",
        )
        definition = dataclasses.replace(base, **overrides)
        with app.app_context():
            existing = {e.key for e in _db.session.scalars(select(Exam))}
            catalog.sync_exams([d for d in [definition] if d] + [_keep(k) for k in existing if k != definition.key])
            _db.session.commit()
            exam = catalog.get_exam(definition.key)
            _db.session.expunge(exam)
        return exam

    return factory


def _keep(key):
    with_key = _db.session.scalars(select(Exam).where(Exam.key == key)).one()
    return ExamDefinition(
        key=key,
        title=with_key.title,
        quarter=with_key.quarter,
        opens_at=with_key.opens_at,
        closes_at=with_key.closes_at,
        time_limit_minutes=with_key.time_limit_minutes,
        grace_seconds=with_key.grace_seconds,
        attempts_allowed=with_key.attempts_allowed,
        pass_mark=with_key.pass_mark,
        partial_credit=with_key.partial_credit,
        shuffle_questions=with_key.shuffle_questions,
        shuffle_options=with_key.shuffle_options,
        review_policy=with_key.review_policy,
        audience=with_key.audience,
        draws=tuple(
            Draw(count=d["count"], points=Decimal(d["points"]), chapter=d.get("chapter")) for d in with_key.blueprint
        ),
        file=with_key.source_file,
    )


def start(exam: Exam, user: User, seed: int = 1) -> ExamAttempt:
    """Start an attempt in the service (inside an app context), commit, and return it."""
    attempt = attempts.start_attempt(
        _db.session.get(Exam, exam.id), _db.session.get(User, user.id), clock.now(), random.Random(seed)
    )
    _db.session.commit()
    return attempt


def paper_of(attempt_id: int) -> list[AttemptQuestion]:
    return list(
        _db.session.scalars(
            select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id).order_by(AttemptQuestion.position)
        )
    )


def answer_for(slot: AttemptQuestion, right: bool = True):
    """A raw answer (as the form or JSON sends it: option tokens) that is right, or wrong, for the slot's question."""
    question: Question = _db.session.get(Question, slot.question_id)
    spec = question.answer or {}
    table = options.tokens_for(slot.attempt_id, slot.id, slot.option_order)
    if question.type == "true_false":
        truth = "true" if spec["truth"] else "false"
        return table[truth if right else ("false" if truth == "true" else "true")]
    if question.type in ("single", "multiple"):
        correct = [table[c.key] for c in question.choices if c.correct]
        wrong = [table[c.key] for c in question.choices if not c.correct]
        if question.type == "single":
            return correct[0] if right else wrong[0]
        return correct if right else wrong[:1]
    if question.type == "short":
        return spec["accepted"][0]["text"] if right else "完全不对的答案"
    value = Decimal(spec["numeric"][0]["value"])
    return str(value) if right else str(value + 1000)
