"""The audit trail: who did what to whom, when, and from where (issue 12, 3)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.users import User, utcnow


class AuditAction(StrEnum):
    """What an audit entry records; the value is what the table stores."""

    ROLES_CHANGED = "roles_changed"
    PASSWORD_LINK_ISSUED = "password_link_issued"
    PERSON_DEACTIVATED = "person_deactivated"
    PERSON_REACTIVATED = "person_reactivated"
    APPEAL_DECIDED = "appeal_decided"

    @property
    def label(self) -> str:
        """The Chinese name admins read."""
        return AUDIT_ACTION_LABELS[self]


AUDIT_ACTION_LABELS = {
    AuditAction.ROLES_CHANGED: "角色变更",
    AuditAction.PASSWORD_LINK_ISSUED: "生成密码设置链接",
    AuditAction.PERSON_DEACTIVATED: "停用账号",
    AuditAction.PERSON_REACTIVATED: "重新启用账号",
    AuditAction.APPEAL_DECIDED: "申诉处理",
}


class AuditEntry(db.Model):
    """One audited action. Rows are only ever added, never changed.

    The actor is None for a command run on the server (`lms users …`); the
    address and browser are None there too. People are referenced with
    SET NULL so that the trail outlives a deleted row, and `details` keeps
    the names and numbers as they were at the time.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        # The admin page lists newest first, filtered by action, actor or subject.
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_action_at", "action", "at"),
        Index("ix_audit_entry_actor_id_at", "actor_id", "at"),
        Index("ix_audit_entry_subject_id_at", "subject_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Another object the action was about, as "kind:id" (e.g. "appeal:12").
    object_ref: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])

    @property
    def action_label(self) -> str:
        """The action's Chinese name (the raw value for an action this code no longer knows)."""
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action
