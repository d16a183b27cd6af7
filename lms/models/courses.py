"""Lessons loaded from content/ and reading progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.users import User, utcnow


class Lesson(db.Model):
    """One lesson of the course, keyed by the guide's clause id ("1.1", "2.3", "ch7" …).

    Lessons that disappear from content/ are retired, never deleted, so the
    progress and exam records that point at them stay valid.
    """

    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clause_id: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    chapter_no: Mapped[int] = mapped_column(Integer)
    chapter_title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, index=True)  # order in the whole course
    reading_minutes: Mapped[int] = mapped_column(Integer, default=1)
    # The two big texts load only when used: a lesson page renders from the
    # cache keyed by source_hash and needs the Markdown only on a cache miss.
    body_md: Mapped[str] = mapped_column(Text, deferred=True)
    # The lesson as plain text (Markdown stripped), for search.
    plain_text: Mapped[str] = mapped_column(Text, deferred=True)
    source_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class LessonProgress(db.Model):
    """A person's reading of one lesson: when last opened, and when completed."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    last_read_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    lesson: Mapped[Lesson] = relationship()
    user: Mapped[User] = relationship()
