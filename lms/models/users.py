"""People, their roles, their sign-in sessions and password-reset links."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, false, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms import clock
from lms.extensions import db

ROLE_LABELS = {
    "rep": "销售代表",
    "mentor": "导师",
    "manager": "销售主管",
    "hr": "人力资源",
    "admin": "系统管理员",
}
ROLES = tuple(ROLE_LABELS)


def utcnow() -> datetime:
    """Naive UTC now, from the one clock (`lms.clock.now`, which tests may freeze)."""
    return clock.now()


class User(UserMixin, db.Model):
    """An employee. Deactivated people keep their records but cannot sign in."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Sign-in ignores case, so uniqueness does too: the index on lower(employee_no)
    # (declared below the class) refuses `s00120` beside `S00120`.
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    # Stored lower-cased, which makes the unique constraint case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    hire_date: Mapped[date | None] = mapped_column(Date)
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Reading preference for lessons: "hans" (简体, the source) or "hant" (繁體).
    preferred_script: Mapped[str] = mapped_column(String(8), default="hans", server_default="hans")
    # HR exempts a person from the new-hire program (5.1(3)), with the reason on record;
    # people hired before ONBOARDING_APPLIES_FROM are outside it without this.
    onboarding_exempt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    onboarding_exempt_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    manager: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[manager_id])
    mentor: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[mentor_id])
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[str]:
        """The role names this person holds."""
        return {row.role for row in self.role_rows}

    def set_roles(self, roles: set[str]) -> None:
        """Replace the person's roles, keeping rows that stay."""
        keep = [row for row in self.role_rows if row.role in roles]
        added = [UserRole(role=role) for role in sorted(roles - {row.role for row in keep})]
        self.role_rows = keep + added

    def has_role(self, *roles: str) -> bool:
        """True when the person holds any of `roles`."""
        return bool(self.roles.intersection(roles))

    # The server-side session token of the current request (see auth.views);
    # Flask-Login stores what get_id returns in the cookie.
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login asks this before signing in
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.employee_no}>"


Index("uq_user_employee_no_lower", func.lower(User.employee_no), unique=True)


class UserRole(db.Model):
    """One role held by one person; a person may hold several."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class UserSession(db.Model):
    """A signed-in browser. The cookie carries only the random token.

    Keeping sessions on the server is what lets sign-out (and a password
    reset) really end a session: a copied cookie stops working at once.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    remote_addr: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()


class PasswordReset(db.Model):
    """A single-use, expiring password-reset link issued by an administrator.

    Only a hash of the token is stored, so a leaked database cannot be used
    to take over accounts.
    """

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
