"""Sign-in, sessions and passwords. No request objects here: callers pass values in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from lms.audit import service as audit
from lms.domain import DomainError
from lms.extensions import db
from lms.models import AuditAction, PasswordReset, User, UserSession, utcnow


class AuthError(DomainError):
    """A sign-in or password rule was broken; the message is shown beside `field` (the new password by default)."""

    field = "new_password"


# Checked against when no such user exists, so that an unknown account costs
# the same time as a wrong password and the two cannot be told apart.
_DUMMY_HASH_CACHE: dict[str, str] = {}


def hash_password(password: str) -> str:
    """Hash with the configured werkzeug method (scrypt by default)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def normalise_login(login: str) -> str:
    """The form of a sign-in name used for lookups and throttling keys."""
    return (login or "").strip().lower()


def find_by_login(login: str) -> User | None:
    """Find a person by employee number or e-mail address (case-insensitive)."""
    key = normalise_login(login)
    if not key:
        return None
    stmt = select(User).where(or_(func.lower(User.employee_no) == key, User.email == key))
    return db.session.scalars(stmt).first()


def throttle_key(login: str, user: User | None) -> str:
    """The sign-in throttle's key: the account `login` resolves to, whichever name was typed.

    Keyed by the account, an employee number and an e-mail of one person
    share one budget of failures (keyed by the text typed, they had one
    each). A name that resolves to nobody is keyed by its normalised text.
    """
    return f"login:user:{user.id}" if user is not None else "login:name:" + normalise_login(login)


def authenticate(login: str, password: str) -> User | None:
    """Return the active person whose password matches, else None (whatever the reason)."""
    return check_credentials(find_by_login(login), password)


def check_credentials(user: User | None, password: str) -> User | None:
    """`user` if active and `password` is theirs, else None; an unknown account costs the same time."""
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user if user.active else None


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH_CACHE:
        _DUMMY_HASH_CACHE[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _DUMMY_HASH_CACHE[method]


def start_session(user: User, remote_addr: str | None) -> str:
    """Open a server-side session for `user` and return its token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token=token, user_id=user.id, remote_addr=(remote_addr or "")[:64]))
    return token


# Built once: every signed-in request runs it, and constructing a select()
# costs more than executing it on a small table.
_SESSION_USER = (
    select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token == bindparam("token"), UserSession.revoked_at.is_(None), User.active.is_(True))
    .options(joinedload(User.role_rows))  # every page asks for the roles: one query, not two
)


def load_session_user(token: str) -> User | None:
    """The active person behind a session token that has not been revoked."""
    return db.session.scalars(_SESSION_USER, {"token": token}).unique().first()


def end_session(token: str) -> None:
    """Revoke one session (sign-out)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.token == token, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_other_sessions(user: User, keep_token: str | None = None) -> None:
    """Revoke every session of `user` except `keep_token` (after a password change)."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(UserSession.token != keep_token)
    db.session.execute(stmt.values(revoked_at=utcnow()))


def check_new_password(password: str) -> None:
    """Raise AuthError when a new password is too weak."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AuthError(f"密码至少需要 {minimum} 个字符。")
    if password.isdigit() or password.isalpha():
        raise AuthError("密码需同时包含字母和数字（或符号）。")


def generate_password() -> str:
    """A random password that check_new_password accepts (never only letters or only digits)."""
    while True:
        candidate = secrets.token_urlsafe(9)
        if not (candidate.isalpha() or candidate.isdigit()):
            return candidate


def set_password(user: User, password: str) -> None:
    """Validate and store a new password for `user`."""
    check_new_password(password)
    user.password_hash = hash_password(password)


def change_password(user: User, current: str, new: str, keep_token: str | None) -> None:
    """Change one's own password; other sessions are signed out."""
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise AuthError("当前密码不正确。", field="current_password")
    set_password(user, new)
    end_other_sessions(user, keep_token)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_may_issue_reset(user: User, issued_by: User | None) -> None:
    """Raise AuthError when `issued_by` may not issue a password link for `user`.

    A link for an administrator opens an administrator's account, so only an
    administrator issues one (`issued_by` None is a command on the server).
    """
    if issued_by is not None and user.has_role("admin") and not issued_by.has_role("admin"):
        raise AuthError("只有系统管理员可以为管理员生成密码设置链接。")


def issue_password_reset(user: User, issued_by: User | None, origin: audit.Origin | None = None) -> str:
    """Create a single-use reset link token for `user`; earlier unused links stop working.

    `issued_by` None is a command on the server. The link is on the audit
    trail (not its token). Raises AuthError when `issued_by` may not issue it.
    """
    check_may_issue_reset(user, issued_by)
    now = utcnow()
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    expires_at = now + timedelta(hours=hours)
    db.session.add(
        PasswordReset(
            token_hash=_token_digest(token),
            user_id=user.id,
            issued_by_id=issued_by.id if issued_by is not None else None,
            expires_at=expires_at,
        )
    )
    audit.record(
        AuditAction.PASSWORD_LINK_ISSUED,
        actor=issued_by,
        subject=user,
        origin=origin,
        details={"employee_no": user.employee_no, "name": user.name, "expires_at": expires_at.isoformat()},
    )
    return token


def find_valid_reset(token: str) -> PasswordReset | None:
    """The unused, unexpired reset row for `token`, if any."""
    reset = db.session.scalars(select(PasswordReset).where(PasswordReset.token_hash == _token_digest(token))).first()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow() or not reset.user.active:
        return None
    return reset


def redeem_password_reset(token: str, new_password: str) -> User:
    """Set a new password through a reset link, spending the link and ending all sessions."""
    reset = find_valid_reset(token)
    if reset is None:
        raise AuthError("重置链接无效、已使用或已过期，请联系管理员重新生成。")
    # Claim the link with a conditional update, so two concurrent uses cannot both win.
    claimed = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if claimed != 1:
        raise AuthError("重置链接已被使用。")
    set_password(reset.user, new_password)
    end_other_sessions(reset.user)
    return reset.user
