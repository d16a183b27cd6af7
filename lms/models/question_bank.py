"""The question bank as synced from `quizzes/`: banks, questions and their choices.

Design, with the exam issue in mind (exams draw questions, attempts record
answers, item analysis counts how often each option was chosen):

- `Question.key` is the stable id written in the bank (`g-2.1-01`); the
  integer primary key is what exam papers and answers point at. A question
  removed from the bank is *retired* (`retired_at` set), never deleted, so
  old attempts and appeals keep a valid target.
- Choices get their own table, `QuestionChoice`, keyed by (question, key):
  attempts can record which option was chosen with a foreign key, item
  analysis can group by option, and an appeal can accept another option. A
  choice dropped from the bank is retired like a question.
- The answers of the other types (true/false, accepted short answers,
  numeric value ± tolerance and unit) live in one JSON column, `answer`: they
  are never joined or counted per row, and one column keeps the three shapes
  without three more tables. Its shape is `loader.Question.answer_spec()`.
- `points` and choice `weight` are `Numeric`, so grading stays exact decimal.
- `content_hash` makes an unchanged question a no-op on sync.
  `clause_hash` is the hash of the cited clause's text when the question was
  last written or reviewed; when the clause text changes later, the sync sets
  `stale` until someone reviews the question (edits it, or bumps `reviewed`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.users import utcnow


class QuestionBank(db.Model):
    """A folder of `quizzes/` (the guide bank, a quarter's product bank …)."""

    __tablename__ = "question_bank"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    questions: Mapped[list[Question]] = relationship(back_populates="bank", order_by="Question.position")

    def __repr__(self) -> str:
        return f"<QuestionBank {self.name}>"


class Question(db.Model):
    """One question, upserted by its bank id (`key`)."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    source_file: Mapped[str] = mapped_column(String(200), default="")
    type: Mapped[str] = mapped_column(String(16), index=True)
    stem: Mapped[str] = mapped_column(Text)
    text_format: Mapped[str] = mapped_column(String(16), default="markdown")
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    clause: Mapped[str] = mapped_column(String(16), index=True)
    chapter: Mapped[str] = mapped_column(String(8), index=True)
    quote: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    dimension: Mapped[str | None] = mapped_column(String(32), index=True)
    level: Mapped[str | None] = mapped_column(String(32), index=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    answer: Mapped[dict] = mapped_column(JSON, default=dict)
    reviewed: Mapped[str | None] = mapped_column(String(10))
    content_hash: Mapped[str] = mapped_column(String(64))
    clause_hash: Mapped[str | None] = mapped_column(String(64))
    stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    bank: Mapped[QuestionBank] = relationship(back_populates="questions")
    choices: Mapped[list[QuestionChoice]] = relationship(
        back_populates="question", order_by="QuestionChoice.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def active_choices(self) -> list[QuestionChoice]:
        """The choices currently in the bank, in bank order."""
        return [choice for choice in self.choices if choice.retired_at is None]

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<Question {self.key}>"


class QuestionChoice(db.Model):
    """An option of a choice question; `key` (a, b, c …) is stable within its question."""

    __tablename__ = "question_choice"
    __table_args__ = (UniqueConstraint("question_id", "key", name="uq_question_choice_question_id_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean, default=False)
    weight: Mapped[Decimal] = mapped_column(Numeric(9, 5), default=Decimal(0))
    feedback: Mapped[str] = mapped_column(Text, default="")
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    question: Mapped[Question] = relationship(back_populates="choices")
