"""Skill certificates (issue 13, 7.3.1): one row per certificate issued, and one per revocation.

A certificate is never updated after it is issued: a revocation is a row of its
own (`certificate_revocation`, at most one per certificate), so the history of
who was certified when, and who revoked it why, stays whole. A person holds at
most one current (unrevoked) certificate; once revoked, a new one with a new
number is issued if the rule holds again.

`public_id` is the unguessable id the verification page and the credential use
(not the sequence number), so an id tells nothing about how many exist.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.users import User, utcnow


class Certificate(db.Model):
    """An issued certificate: who, for what, when, and the dates of the levels it rests on."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    achievement_title: Mapped[str] = mapped_column(String(120))
    # {cell key: "YYYY-MM-DD"} of the levels the rule required, in the rule's order.
    cells: Mapped[dict] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The signed Open Badges 3.0 credential exactly as issued, so every download is the same document.
    credential_json: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(200))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revocation: Mapped[CertificateRevocation | None] = relationship(back_populates="certificate", uselist=False)

    @property
    def revoked(self) -> bool:
        return self.revocation is not None


class CertificateRevocation(db.Model):
    """The revocation of a certificate: when, why and by whom (at most one per certificate)."""

    __tablename__ = "certificate_revocation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), unique=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    certificate: Mapped[Certificate] = relationship(back_populates="revocation")
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
