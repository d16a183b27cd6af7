"""Exams in the database: sync from the definitions, and which exams a person sees.

`sync_exams` upserts by exam key and retires exams whose file disappeared
(never deletes them: attempts point at them). Flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from lms.exams.attempts import attempts_used, is_eligible
from lms.exams.definitions import ExamDefinition
from lms.extensions import db
from lms.models import Exam, ExamAttempt, User, utcnow

_FIELDS = ("title", "quarter", "opens_at", "closes_at", "time_limit_minutes", "grace_seconds", "attempts_allowed",
           "pass_mark", "partial_credit", "shuffle_questions", "shuffle_options", "review_policy", "audience")


@dataclass
class ExamSyncReport:
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    retired: list[str]

    @property
    def summary(self) -> str:
        return (f"考试：新增 {len(self.created)}，更新 {len(self.updated)}，未变 {len(self.unchanged)}，"
                f"停用 {len(self.retired)}")


def sync_exams(definitions: list[ExamDefinition]) -> ExamSyncReport:
    """Upsert `definitions` by key; retire exams no longer defined. Papers already drawn stay as they are."""
    report = ExamSyncReport([], [], [], [])
    existing = {exam.key: exam for exam in db.session.scalars(select(Exam))}
    now = utcnow()
    for definition in definitions:
        exam = existing.get(definition.key)
        if exam is not None and exam.definition_hash == definition.definition_hash and exam.retired_at is None:
            report.unchanged.append(definition.key)
            continue
        if exam is None:
            exam = Exam(key=definition.key, created_at=now)
            db.session.add(exam)
            report.created.append(definition.key)
        else:
            report.updated.append(definition.key)
        for name in _FIELDS:
            setattr(exam, name, getattr(definition, name))
        exam.blueprint = definition.blueprint()
        exam.source_file = definition.file.rsplit("/", 1)[-1]
        exam.definition_hash = definition.definition_hash
        exam.updated_at, exam.retired_at = now, None
    keys = {definition.key for definition in definitions}
    for key, exam in existing.items():
        if key not in keys and exam.retired_at is None:
            exam.retired_at = now
            report.retired.append(key)
    db.session.flush()
    return report


_BY_KEY = select(Exam).where(Exam.key == bindparam("key"))  # prebuilt: every exam request looks one up


def get_exam(key: str) -> Exam | None:
    """The exam with `key` (retired ones included)."""
    return db.session.scalars(_BY_KEY, {"key": key}).first()


@dataclass(frozen=True)
class ExamCard:
    """One exam on a rep's list: its state for them and what they may do."""

    exam: Exam
    state: str  # upcoming | open | closed
    attempts_used: int
    in_progress: ExamAttempt | None

    @property
    def can_start(self) -> bool:
        return self.state == "open" and (self.in_progress is not None or self.attempts_used < self.exam.attempts_allowed)


def exams_for(user: User, now: datetime) -> list[ExamCard]:
    """The exams `user` must sit, newest window first, with their state and the attempt in progress."""
    cards = []
    for exam in db.session.scalars(select(Exam).where(Exam.retired_at.is_(None)).order_by(Exam.opens_at.desc())):
        if not is_eligible(exam, user):
            continue
        state = "upcoming" if now < exam.opens_at else "open" if now < exam.closes_at else "closed"
        in_progress = db.session.scalars(select(ExamAttempt).where(
            ExamAttempt.exam_id == exam.id, ExamAttempt.user_id == user.id,
            ExamAttempt.status == "in_progress")).first()
        cards.append(ExamCard(exam, state, attempts_used(exam, user), in_progress))
    return cards
