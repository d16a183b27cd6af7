"""Writing and reading audit entries. No request here: views pass the origin in.

An entry is added to the session of the action it records, so the two are
committed, or rolled back, together: an action without its entry (or an
entry for an action that did not happen) cannot exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, selectinload

from lms import clock
from lms.extensions import db
from lms.models import ROLE_LABELS, AuditAction, AuditEntry, User

REMOTE_ADDR_MAX = 64
USER_AGENT_MAX = 255


@dataclass(frozen=True)
class Origin:
    """Where an action came from: the client's address and browser (None for a command)."""

    remote_addr: str | None = None
    user_agent: str | None = None


COMMAND_LINE = Origin()


def record(
    action: AuditAction,
    *,
    actor: User | None,
    subject: User | None = None,
    subject_id: int | None = None,
    object_ref: str | None = None,
    details: dict | None = None,
    origin: Origin | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction; never commits.

    `actor` is who acted (None for a command on the server), `subject` the
    person acted on (or only their `subject_id`), `object_ref` another object as "kind:id", `details`
    plain JSON data (names, before/after) as they are now.
    """
    origin = origin or COMMAND_LINE
    entry = AuditEntry(
        at=clock.now(),
        actor_id=actor.id if actor is not None else None,
        action=AuditAction(action).value,
        subject_id=subject.id if subject is not None else subject_id,
        object_ref=object_ref,
        details=details or {},
        remote_addr=(origin.remote_addr or None) and origin.remote_addr[:REMOTE_ADDR_MAX],
        user_agent=(origin.user_agent or None) and origin.user_agent[:USER_AGENT_MAX],
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """What the admin's list shows: an action, an actor's or subject's employee number, local dates."""

    action: str = ""
    actor_no: str = ""
    subject_no: str = ""
    since: date | None = None
    until: date | None = None


def _person_matches(user_column, employee_no: str):
    person = aliased(User)
    return user_column.in_(select(person.id).where(func.lower(person.employee_no) == employee_no.strip().lower()))


def list_entries(spec: AuditFilter) -> Select:
    """A select() of audit entries, newest first, filtered by `spec` (dates in the configured zone)."""
    stmt = (
        select(AuditEntry)
        .options(selectinload(AuditEntry.actor), selectinload(AuditEntry.subject))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    if spec.action:
        stmt = stmt.where(AuditEntry.action == spec.action)
    if spec.actor_no:
        stmt = stmt.where(_person_matches(AuditEntry.actor_id, spec.actor_no))
    if spec.subject_no:
        stmt = stmt.where(_person_matches(AuditEntry.subject_id, spec.subject_no))
    if spec.since:
        stmt = stmt.where(AuditEntry.at >= clock.start_of_day(spec.since))
    if spec.until:
        stmt = stmt.where(AuditEntry.at < clock.end_of_day(spec.until))
    return stmt


def person_label(person: User | None) -> str:
    """「姓名（工号）」, or 系统命令 for an action run on the server."""
    return f"{person.name}（{person.employee_no}）" if person is not None else "系统命令"


def export_rows(entries) -> list[list]:
    """Audit entries as CSV rows for the admin's export (times in the configured zone)."""
    return [
        [
            clock.format_local(entry.at),
            entry.action_label,
            person_label(entry.actor),
            person_label(entry.subject) if entry.subject is not None else "",
            entry.object_ref or "",
            describe(entry),
            entry.remote_addr or "",
            entry.user_agent or "",
        ]
        for entry in entries
    ]


def describe(entry: AuditEntry) -> str:
    """A one-line Chinese description of what changed."""
    details = entry.details or {}

    def roles(names) -> str:
        return "、".join(ROLE_LABELS.get(name, name) for name in names) or "无"

    if entry.action == AuditAction.ROLES_CHANGED:
        return f"{roles(details.get('before', []))} → {roles(details.get('after', []))}"
    if entry.action == AuditAction.APPEAL_DECIDED:
        text = f"结果：{details.get('outcome_label') or details.get('outcome', '')}"
        return text + (f"；重新评分 {details['regraded']} 份" if "regraded" in details else "")
    if entry.action == AuditAction.PASSWORD_LINK_ISSUED and details.get("expires_at"):
        return "有效期至 " + clock.format_local(datetime.fromisoformat(details["expires_at"]))
    return details.get("note", "")
