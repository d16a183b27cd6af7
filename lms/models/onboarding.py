"""Onboarding bookkeeping: the reminder e-mails that were sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models.users import utcnow


class OnboardingReminder(db.Model):
    """A reminder e-mail that was sent; the unique key makes each one go out once."""

    __tablename__ = "onboarding_reminder"
    __table_args__ = (UniqueConstraint("user_id", "kind", "recipient_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "due_soon" | "due_today" | "overdue"
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
