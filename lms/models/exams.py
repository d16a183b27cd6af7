"""Quarterly exams: definitions, attempts with their fixed papers, results, appeals and tallies.

Design notes:
- `Exam` is the synced copy of a definition in `quizzes/exams/*.yaml`; its
  blueprint stays JSON (it is only ever read whole, when a paper is drawn).
- An attempt's paper is fixed at start: one `AttemptQuestion` row per slot
  (question, position, points, option order). The rep's answer lives on the
  same row (`response`), so autosave is one conditional UPDATE of an
  existing row and never races an INSERT.
- Grading is a fact: `AttemptResult` rows are only ever added. A regrade
  (after an appeal) adds a row with a higher `sequence` that points at the
  one it supersedes; the highest sequence is the current result.
- Integrity comes from the database: `(exam, user, number)` is unique, so
  two simultaneous starts make one attempt; an attempt leaves `in_progress`
  by a conditional UPDATE, so only one submitter grades; `(attempt,
  sequence)` is unique as a last guard against a second first grade.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.question_bank import Question, QuestionChoice  # noqa: F401
from lms.models.users import User, utcnow


class AttemptStatus(StrEnum):
    """Where an attempt stands: taking answers, or finished (graded once)."""

    IN_PROGRESS = "in_progress"
    FINISHED = "finished"


class FinishReason(StrEnum):
    """Why an attempt finished: the rep submitted it, or its deadline passed."""

    SUBMITTED = "submitted"
    DEADLINE = "deadline"


class AppealOutcome(StrEnum):
    """HR's decision on an appeal."""

    REJECTED = "rejected"
    VOID = "void"
    ACCEPT = "accept"


class ExamKind(StrEnum):
    """What an exam row is: a quarterly exam from quizzes/exams/, or a skill track's level quiz (lms.tracks)."""

    QUARTERLY = "quarterly"
    LEVEL_QUIZ = "level_quiz"


class Exam(db.Model):
    """A quarterly exam as defined in quizzes/exams/<key>.yaml (window, limits, blueprint, policy).

    `kind` "level_quiz" marks a skill cell's quiz, synced from content/tracks.yaml:
    always open, retaken by rounds (lms.tracks.service). Quarterly lists, tallies
    shown to HR, analysis and remediation leave those out.
    """

    __tablename__ = "exam"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=ExamKind.QUARTERLY.value, server_default="quarterly")
    title: Mapped[str] = mapped_column(String(200))
    quarter: Mapped[str] = mapped_column(String(16))
    opens_at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    time_limit_minutes: Mapped[int] = mapped_column(Integer)
    grace_seconds: Mapped[int] = mapped_column(Integer, default=0)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=2)
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(80))
    partial_credit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    review_policy: Mapped[str] = mapped_column(String(16), default="after_close")
    audience: Mapped[dict] = mapped_column(JSON, default=dict)  # {"roles": [...], "teams": [...]}
    blueprint: Mapped[list] = mapped_column(JSON, default=list)
    source_file: Mapped[str] = mapped_column(String(200), default="")
    definition_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"<Exam {self.key}>"


class ExamAttempt(db.Model):
    """One sitting of an exam by one person; `deadline_at` = min(start + limit, window close)."""

    __tablename__ = "exam_attempt"
    __table_args__ = (
        UniqueConstraint("exam_id", "user_id", "number", name="uq_exam_attempt_exam_id_user_id_number"),
        Index("ix_exam_attempt_status_deadline_at", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2 … per person and exam
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.IN_PROGRESS.value)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deadline_at: Mapped[datetime] = mapped_column(DateTime)
    saved_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    finish_reason: Mapped[str | None] = mapped_column(String(16))  # a FinishReason

    exam: Mapped[Exam] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )


class AttemptQuestion(db.Model):
    """One slot of a fixed paper: the question, its points and option order, and the answer given."""

    __tablename__ = "attempt_question"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position", name="uq_attempt_question_attempt_id_position"),
        UniqueConstraint("attempt_id", "question_id", name="uq_attempt_question_attempt_id_question_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-based order on this paper
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    option_order: Mapped[list] = mapped_column(JSON, default=list)  # choice keys as shown
    # None: unanswered. {"choices": ["b"]} for choice types, {"text": "…"} for short and numeric.
    response: Mapped[dict | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)

    attempt: Mapped[ExamAttempt] = relationship(back_populates="questions")
    question: Mapped[Question] = relationship()


class AttemptResult(db.Model):
    """A grading fact: score out of 100, pass, chapter breakdown and per-question scores.

    Never updated: a regrade adds a new row (sequence + 1, `supersedes_id`
    the old row, `adjustment_id` the appeal decision that caused it).
    `items` is a list of [question_id, awarded, fraction, chosen keys] so item
    analysis reads one row per attempt.
    """

    __tablename__ = "attempt_result"
    __table_args__ = (
        UniqueConstraint("attempt_id", "sequence", name="uq_attempt_result_attempt_id_sequence"),
        # Item analysis reads a few current results of one score, in attempt order (lms.exams.tallies).
        Index("ix_attempt_result_exam_id_score_attempt_id", "exam_id", "score", "attempt_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempt.id", ondelete="RESTRICT"), index=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    points_awarded: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    points_possible: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    passed: Mapped[bool] = mapped_column(Boolean)
    breakdown: Mapped[dict] = mapped_column(JSON, default=dict)  # chapter -> {"awarded", "possible"}
    items: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(16))  # submitted | deadline | regrade
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("attempt_result.id", ondelete="RESTRICT"), index=True
    )  # "is it current?" = nothing supersedes it
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("exam_adjustment.id", ondelete="RESTRICT"))
    graded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    attempt: Mapped[ExamAttempt] = relationship()


class Appeal(db.Model):
    """A rep's appeal against one question of one attempt (7.4), with the reason given."""

    __tablename__ = "exam_appeal"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id", name="uq_exam_appeal_attempt_id_question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempt.id", ondelete="RESTRICT"), index=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"))
    # The sequence of the result appealed (not a foreign key: results point at appeal decisions
    # through their adjustments, and a cycle of foreign keys cannot be created or emptied in order).
    result_sequence: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decide_by: Mapped[date] = mapped_column(Date)  # 10 working days after filing

    attempt: Mapped[ExamAttempt] = relationship()
    question: Mapped[Question] = relationship()
    user: Mapped[User] = relationship()
    decision: Mapped[AppealDecision | None] = relationship(back_populates="appeal", uselist=False)


class AppealDecision(db.Model):
    """HR's answer to an appeal: who, when, what (reject, void, accept an answer) and why."""

    __tablename__ = "exam_appeal_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("exam_appeal.id", ondelete="RESTRICT"), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))  # an AppealOutcome
    note: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)

    appeal: Mapped[Appeal] = relationship(back_populates="decision")
    decided_by: Mapped[User] = relationship()


class ExamAdjustment(db.Model):
    """A grading rule added by an accepted appeal, applied to every attempt of the exam.

    `kind` "void": the question no longer counts (scores are rescaled over the
    remaining points); "accept": `accepted` ({"choices": [...]} or {"text": …})
    also earns full credit.
    """

    __tablename__ = "exam_adjustment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="RESTRICT"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    accepted: Mapped[dict | None] = mapped_column(JSON)
    decision_id: Mapped[int] = mapped_column(ForeignKey("exam_appeal_decision.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- Item-analysis tallies --------------------------------------------------------------------
#
# Running totals kept up to date as results are written (lms.exams.tallies), so the item
# analysis page adds up a few hundred rows instead of decoding every result's items. Results are
# ranked by (score, attempt id). Totals per whole-score bucket (0–100) cover all but one bucket
# at each end of the upper and lower 27 %; inside that boundary bucket, totals per cell (exact
# score in cents, block of attempt ids) cover all but one cell, and only that cell's few results
# are read. Credit is an integer count of 10⁻⁹ shares of the points, so the additions, and the
# subtractions of a regrade, stay exact on both databases.


class ExamScoreCell(db.Model):
    """How many current results of an exam have this exact score (cents) and attempt-id block."""

    __tablename__ = "exam_score_cell"

    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # score × 100
    block: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # attempt id // BLOCK
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class ExamItemTally(db.Model):
    """Per question and whole-score bucket: non-void answers, and the sum of their credit (10⁻⁹ shares)."""

    __tablename__ = "exam_item_tally"

    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)


class ExamItemCell(db.Model):
    """The same totals per cell (exact score in cents, attempt-id block), read for one boundary bucket."""

    __tablename__ = "exam_item_cell"

    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    block: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), primary_key=True)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)


class ExamOptionTally(db.Model):
    """How often each option of a question was chosen in the exam's current results."""

    __tablename__ = "exam_option_tally"

    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), primary_key=True)
    option: Mapped[str] = mapped_column(String(8), primary_key=True)
    chosen: Mapped[int] = mapped_column(Integer, default=0)
