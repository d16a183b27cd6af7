"""Incentive eligibility confirmations, the rule texts they were made under, and the record view log (issue 14, 7–8).

A confirmation's per-person decisions are ledger facts (`eligibility_confirmed`,
source "eligibility_confirmation:<id>"); this row is the object they point at,
and its person rows are the list. The rule file's text is kept under its hash,
so a decision can be explained again, exactly as made, after
content/incentives.yaml has changed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.users import User, utcnow


class IncentiveRuleText(db.Model):
    """One version of content/incentives.yaml, by the sha256 of its text; rows are only ever added."""

    __tablename__ = "incentive_rule_text"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class EligibilityConfirmation(db.Model):
    """HR's confirmation of a period's eligibility list: when, by whom, under which rules, for how many people."""

    __tablename__ = "eligibility_confirmation"
    __table_args__ = (Index("ix_eligibility_confirmation_period_confirmed_at", "period", "confirmed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(16))
    # The day the facts were read as of (facts recorded later are not part of the decision).
    as_of: Mapped[date] = mapped_column(Date)
    rules_hash: Mapped[str] = mapped_column(ForeignKey("incentive_rule_text.hash"))
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    people_count: Mapped[int] = mapped_column(Integer)

    confirmed_by: Mapped[User] = relationship()
    rule_text: Mapped[IncentiveRuleText] = relationship()


class EligibilityConfirmationPerson(db.Model):
    """One person on a confirmed list: what `lms record rebuild --check` recomputes their fact for."""

    __tablename__ = "eligibility_confirmation_person"

    confirmation_id: Mapped[int] = mapped_column(ForeignKey("eligibility_confirmation.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)


class RecordView(db.Model):
    """Someone opened or exported another person's record; the person can see who and when.

    Rows are only ever added. A viewer's row survives their account (SET NULL
    keeps the time and page; the name is kept in `viewer_name`).
    """

    __tablename__ = "record_view"
    __table_args__ = (Index("ix_record_view_subject_id_at", "subject_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    viewer_name: Mapped[str] = mapped_column(String(64))
    # What was looked at: "record" (the record page), "fact", "export".
    what: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    viewer: Mapped[User | None] = relationship(foreign_keys=[viewer_id])
