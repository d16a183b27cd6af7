"""Exams in the database: sync from the definitions, and which exams a person sees.

`sync_exams` upserts by exam key and retires exams whose file disappeared
(never deletes them: attempts point at them). Flushes, never commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from lms import clock
from lms.exams.attempts import is_eligible
from lms.exams.definitions import ExamDefinition
from lms.exams.results import best_of
from lms.extensions import db
from lms.models import AttemptResult, AttemptStatus, Exam, ExamAttempt, ExamKind, User
from lms.sync import SyncReport, Upsert, retired_at_marks, upsert_and_retire

_FIELDS = (
    "title",
    "quarter",
    "opens_at",
    "closes_at",
    "time_limit_minutes",
    "grace_seconds",
    "attempts_allowed",
    "pass_mark",
    "partial_credit",
    "shuffle_questions",
    "shuffle_options",
    "review_policy",
    "audience",
)


def sync_exams(definitions: list[ExamDefinition]) -> SyncReport:
    """Upsert `definitions` by key; retire exams no longer defined. Papers already drawn stay as they are.

    Only quarterly exams: the skill tracks' level quizzes are synced from content/tracks.yaml (lms.tracks.sync).
    """
    existing = {exam.key: exam for exam in db.session.scalars(select(Exam).where(Exam.kind == ExamKind.QUARTERLY))}
    now = clock.now()

    def create(key: str, definition: ExamDefinition) -> None:
        exam = Exam(key=key, created_at=now)
        db.session.add(exam)
        write(exam, definition)

    def write(exam: Exam, definition: ExamDefinition) -> None:
        for name in _FIELDS:
            setattr(exam, name, getattr(definition, name))
        exam.blueprint = definition.blueprint()
        exam.source_file = definition.file.rsplit("/", 1)[-1]
        exam.definition_hash = definition.definition_hash
        exam.updated_at = now

    how = Upsert(
        unchanged=lambda exam, definition: exam.definition_hash == definition.definition_hash,
        create=create,
        update=write,
        **retired_at_marks(now),
    )
    report = upsert_and_retire(existing, ((d.key, d) for d in definitions), how, SyncReport(noun="场考试"))
    db.session.flush()
    return report


_BY_KEY = select(Exam).where(Exam.key == bindparam("key"))  # prebuilt: every exam request looks one up


def get_exam(key: str) -> Exam | None:
    """The exam with `key` (retired ones included)."""
    return db.session.scalars(_BY_KEY, {"key": key}).first()


@dataclass(frozen=True)
class ExamCard:
    """One exam on a rep's list: its state for them, their attempts with results, and what they may do."""

    exam: Exam
    state: str  # upcoming | open | closed
    attempts_used: int
    in_progress: ExamAttempt | None
    tries: tuple[tuple[ExamAttempt, AttemptResult | None], ...] = ()  # oldest first, with current results
    best: AttemptResult | None = None  # the counting result (best attempt)

    @property
    def can_start(self) -> bool:
        return self.state == "open" and (
            self.in_progress is not None or self.attempts_used < self.exam.attempts_allowed
        )


_LISTED = select(Exam).where(Exam.retired_at.is_(None), Exam.kind == ExamKind.QUARTERLY).order_by(Exam.opens_at.desc())


def exams_for(user: User, now: datetime) -> list[ExamCard]:
    """The exams `user` must sit, newest window first, with their state, attempts and best result.

    Three statements however many exams there are (exams, the person's attempts, their
    results): four exams accumulate every year, and the list is every rep's way in.
    """
    exams = [exam for exam in db.session.scalars(_LISTED) if is_eligible(exam, user)]
    ids = [exam.id for exam in exams]
    mine: dict[int, list[ExamAttempt]] = defaultdict(list)
    latest: dict[int, AttemptResult] = {}
    if ids:
        for attempt in db.session.scalars(
            select(ExamAttempt)
            .where(ExamAttempt.user_id == user.id, ExamAttempt.exam_id.in_(ids))
            .order_by(ExamAttempt.number)
        ):
            mine[attempt.exam_id].append(attempt)
        for result in db.session.scalars(
            select(AttemptResult)
            .where(AttemptResult.user_id == user.id, AttemptResult.exam_id.in_(ids))
            .order_by(AttemptResult.attempt_id, AttemptResult.sequence)
        ):
            latest[result.attempt_id] = result  # the highest sequence wins
    cards = []
    for exam in exams:
        state = "upcoming" if now < exam.opens_at else "open" if now < exam.closes_at else "closed"
        tries = tuple((attempt, latest.get(attempt.id)) for attempt in mine[exam.id])
        in_progress = next((attempt for attempt, _ in tries if attempt.status == AttemptStatus.IN_PROGRESS), None)
        cards.append(
            ExamCard(
                exam,
                state,
                len(tries),
                in_progress,
                tries,
                best_of([result for _, result in tries if result is not None]),
            )
        )
    return cards
