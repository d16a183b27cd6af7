"""Creating, editing and deactivating people; listing them for HR."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select

from lms.domain import DomainError
from lms.extensions import db
from lms.models import ROLES, User

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


def _check_unique(data: PersonData, person: User | None) -> None:
    same_no = find_by_employee_no(data.employee_no)
    if same_no is not None and same_no is not person:
        raise PersonError("employee_no", f"工号 {data.employee_no} 已被 {same_no.name} 使用。")
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


def save_person(data: PersonData, person: User | None = None) -> User:
    """Create a person (when `person` is None) or update one; flushes, never commits.

    Raises PersonError for a duplicate employee number or e-mail, an unknown
    manager or mentor, or an unknown role.
    """
    _check_unique(data, person)
    manager = _resolve_reference(data.manager_no, "manager_no", "经理", data.employee_no)
    mentor = _resolve_reference(data.mentor_no, "mentor_no", "导师", data.employee_no)
    if data.roles is not None and not data.roles <= set(ROLES):
        raise PersonError("roles", "未知角色：" + "、".join(sorted(data.roles - set(ROLES))))
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
    return person


def _set_exemption(person: User, data: PersonData) -> None:
    """HR's exemption from the new-hire program: a reason is required, and goes when the exemption does."""
    if data.onboarding_exempt is None:
        return
    if data.onboarding_exempt and not data.onboarding_exempt_reason:
        raise PersonError("onboarding_exempt_reason", "免于入职培训时请填写原因。")
    person.onboarding_exempt = data.onboarding_exempt
    person.onboarding_exempt_reason = data.onboarding_exempt_reason if data.onboarding_exempt else None


def set_active(person: User, active: bool, actor: User) -> None:
    """Deactivate or reactivate a person; nobody can deactivate themselves."""
    if person.id == actor.id and not active:
        raise PersonError("active", "不能停用自己的账号。")
    person.active = active


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
