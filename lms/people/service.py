"""Creating, editing and deactivating people; listing them for HR."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select

from lms.audit import service as audit
from lms.domain import DomainError
from lms.extensions import db
from lms.models import ROLES, AuditAction, User

FIELD_LIMITS = {"employee_no": 32, "name": 64, "email": 254, "team": 64}


class PersonError(DomainError):
    """A person's data breaks a rule; `field` names the offending field (given first, as the form reads it)."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field)


@dataclass
class PersonData:
    """Everything HR can set on a person. None means "leave as it is" on update."""

    employee_no: str
    name: str
    email: str
    hire_date: date | None = None
    team: str | None = None
    manager_no: str | None = None
    mentor_no: str | None = None
    roles: set[str] | None = None
    active: bool | None = None
    # HR's exemption from the new-hire program (None: leave as it is; the CSV import never sets it).
    onboarding_exempt: bool | None = None
    onboarding_exempt_reason: str | None = None
    # Which optional attributes the source actually gave (a CSV may omit columns).
    given: set[str] = field(default_factory=lambda: {"hire_date", "team", "manager_no", "mentor_no", "roles", "active"})


def find_by_employee_no(employee_no: str) -> User | None:
    """The person with this employee number, if any."""
    return db.session.scalars(select(User).where(User.employee_no == employee_no)).first()


def employee_no_key(employee_no: str) -> str:
    """The form in which two employee numbers are the same one: sign-in ignores case, so uniqueness does."""
    return employee_no.strip().lower()


def check_employee_no_free(employee_no: str, person: User | None = None) -> None:
    """Raise PersonError("employee_no", …) when another person holds `employee_no`, in any letter case.

    `person` is the one being saved (None for a new person). The CSV import
    calls this too, so that a case-duplicate gets this message and not the
    database index's error.
    """
    stmt = select(User).where(func.lower(User.employee_no) == employee_no_key(employee_no))
    other = next((user for user in db.session.scalars(stmt) if user is not person), None)
    if other is None:
        return
    if other.employee_no == employee_no:
        raise PersonError("employee_no", f"工号 {employee_no} 已被 {other.name} 使用。")
    raise PersonError(
        "employee_no",
        f"工号 {employee_no} 与 {other.name} 的工号 {other.employee_no} 仅大小写不同；登录不区分大小写，不能同时使用。",
    )


def check_role_change(actor: User | None, person, before: set[str], after: set[str]) -> None:
    """Raise PersonError("roles", …) when `actor` may not change `person`'s roles from `before` to `after`.

    Only an administrator grants or removes admin. Someone without admin
    (HR) cannot change their own roles at all, and an administrator cannot
    remove their own admin (another administrator has to). `actor` None is
    a command run on the server (`lms users …`), which may do anything.
    `person` is None for a new person, else anything with an `id` (a User
    or a row of the CSV import).
    """
    if actor is None or before == after:
        return
    if "admin" in before ^ after and not actor.has_role("admin"):
        raise PersonError("roles", "只有系统管理员可以授予或撤销管理员角色。")
    if person is not None and person.id == actor.id:
        if not actor.has_role("admin"):
            raise PersonError("roles", "不能修改自己的角色，请联系系统管理员。")
        if "admin" in before - after:
            raise PersonError("roles", "不能撤销自己的管理员角色，请由另一位系统管理员操作。")


def check_may_set_active(actor: User | None, person, active: bool, roles: set[str] | None = None) -> None:
    """Raise PersonError("active", …) when `actor` may not (de)activate `person`.

    Nobody deactivates themselves; only an administrator deactivates or
    reactivates an administrator. `actor` None is a command on the server.
    `person` needs `id` and `active` (a User, or a row of the CSV import,
    which then passes the person's `roles`).
    """
    if actor is None or person.active == active:
        return
    if person.id == actor.id and not active:
        raise PersonError("active", "不能停用自己的账号。")
    if "admin" in (roles if roles is not None else person.roles) and not actor.has_role("admin"):
        raise PersonError("active", "只有系统管理员可以停用或启用管理员账号。")


def _check_unique(data: PersonData, person: User | None) -> None:
    check_employee_no_free(data.employee_no, person)
    same_email = db.session.scalars(select(User).where(User.email == data.email)).first()
    if same_email is not None and same_email is not person:
        raise PersonError("email", f"邮箱 {data.email} 已被 {same_email.name}（{same_email.employee_no}）使用。")


def _resolve_reference(employee_no: str | None, field_name: str, label: str, self_no: str) -> User | None:
    if not employee_no:
        return None
    if employee_no == self_no:
        raise PersonError(field_name, f"{label}不能是本人。")
    ref = find_by_employee_no(employee_no)
    if ref is None:
        raise PersonError(field_name, f"{label}工号 {employee_no} 不存在。")
    return ref


def save_person(
    data: PersonData, person: User | None = None, *, actor: User | None = None, origin: audit.Origin | None = None
) -> User:
    """Create a person (when `person` is None) or update one; flushes, never commits.

    `actor` is who saves (None: a command on the server); role and active
    changes are checked against what the actor may do and written to the
    audit trail with `origin`. Raises PersonError for a duplicate employee
    number (in any letter case) or e-mail, an unknown manager or mentor, an
    unknown role, or a role or active change the actor may not make.
    """
    _check_unique(data, person)
    manager = _resolve_reference(data.manager_no, "manager_no", "经理", data.employee_no)
    mentor = _resolve_reference(data.mentor_no, "mentor_no", "导师", data.employee_no)
    if data.roles is not None and not data.roles <= set(ROLES):
        raise PersonError("roles", "未知角色：" + "、".join(sorted(data.roles - set(ROLES))))
    roles_before = person.roles if person is not None else set()
    roles_after = _roles_after(data, person)
    check_role_change(actor, person, roles_before, roles_after)
    active_before = person.active if person is not None else None  # creating is not (de)activating
    if person is not None and "active" in data.given and data.active is not None:
        check_may_set_active(actor, person, data.active)
    if person is None:
        person = User(active=True)
        person.set_roles(data.roles or {"rep"})
        db.session.add(person)
    person.employee_no, person.name, person.email = data.employee_no, data.name, data.email
    if "hire_date" in data.given:
        person.hire_date = data.hire_date
    if "team" in data.given:
        person.team = data.team or None
    if "manager_no" in data.given:
        person.manager = manager
    if "mentor_no" in data.given:
        person.mentor = mentor
    if "roles" in data.given and data.roles is not None:
        person.set_roles(data.roles)
    if "active" in data.given and data.active is not None:
        person.active = data.active
    _set_exemption(person, data)
    db.session.flush()
    record_person_change(
        actor, person, origin=origin, roles=(roles_before, roles_after), active=(active_before, person.active)
    )
    return person


DEFAULT_ROLES = {"rep"}


def _roles_after(data: PersonData, person: User | None) -> set[str]:
    """The roles the person will hold once `data` is saved."""
    if person is None:
        return set(data.roles or DEFAULT_ROLES)
    if "roles" in data.given and data.roles is not None:
        return set(data.roles)
    return person.roles


def record_person_change(
    actor: User | None,
    person,
    *,
    origin: audit.Origin | None = None,
    roles: tuple[set[str], set[str]] | None = None,
    active: tuple[bool | None, bool] | None = None,
) -> None:
    """Put a person's role change and (de)activation on the audit trail, if there was one.

    `person` needs `id`, `employee_no` and `name` (a User, or a row of the
    CSV import once it has an id); `roles` is (before, after) with before
    empty for a new person, `active` (before, after) with before None for a
    new person. A new person with only the default role is not a grant.
    """
    # Number and name kept as they are now: the person may be renamed or renumbered later.
    who = {"employee_no": person.employee_no, "name": person.name}
    if roles is not None:
        before, after = roles
        if before != after and (before or after != DEFAULT_ROLES):
            audit.record(
                AuditAction.ROLES_CHANGED,
                actor=actor,
                subject_id=person.id,
                origin=origin,
                details={**who, "before": sorted(before), "after": sorted(after)},
            )
    if active is not None and active[0] is not None and active[0] != active[1]:
        action = AuditAction.PERSON_REACTIVATED if active[1] else AuditAction.PERSON_DEACTIVATED
        audit.record(action, actor=actor, subject_id=person.id, origin=origin, details=who)


def _set_exemption(person: User, data: PersonData) -> None:
    """HR's exemption from the new-hire program: a reason is required, and goes when the exemption does."""
    if data.onboarding_exempt is None:
        return
    if data.onboarding_exempt and not data.onboarding_exempt_reason:
        raise PersonError("onboarding_exempt_reason", "免于入职培训时请填写原因。")
    person.onboarding_exempt = data.onboarding_exempt
    person.onboarding_exempt_reason = data.onboarding_exempt_reason if data.onboarding_exempt else None


def set_active(person: User, active: bool, actor: User | None, origin: audit.Origin | None = None) -> None:
    """Deactivate or reactivate a person, on the audit trail; see check_may_set_active for who may."""
    check_may_set_active(actor, person, active)
    if person.active == active:
        return
    person.active = active
    record_person_change(actor, person, origin=origin, active=(not active, active))


def list_people(query: str = "", team: str = "", role: str = "", status: str = "active"):
    """A select() of people for HR's list, filtered and ordered by employee number."""
    stmt = select(User).order_by(User.employee_no)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(
            or_(func.lower(User.employee_no).like(like), func.lower(User.name).like(like), User.email.like(like))
        )
    if team:
        stmt = stmt.where(User.team == team)
    if role:
        stmt = stmt.where(User.role_rows.any(role=role))
    if status in ("active", "inactive"):
        stmt = stmt.where(User.active.is_(status == "active"))
    return stmt


def team_names() -> list[str]:
    """Every team name in use, for filter drop-downs."""
    return list(db.session.scalars(select(User.team).where(User.team.is_not(None)).distinct().order_by(User.team)))
