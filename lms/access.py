"""Access control in one place: every view uses these helpers.

Checks run on the server. An object the signed-in person may not see is
reported as missing (404), so changing an id in a URL reveals nothing.

"The people I answer for" has one definition here, `followed_by`: HR and
admin answer for everyone, a manager for the people they manage, a mentor
for their mentees. The profile check, the onboarding team page, the exam
roster and the dashboards all ask it, as a SQL condition (so a list costs
one query whatever its length) or, for one person already loaded, with
`answers_for`, which is the same rule in Python.
"""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from lms.extensions import db
from lms.models import User

STAFF_ADMIN_ROLES = ("hr", "admin")


class Relation(StrEnum):
    """How someone answers for a person: as their manager or as their mentor."""

    MANAGER = "manager"
    MENTOR = "mentor"


_RELATION_COLUMNS = {Relation.MANAGER: User.manager_id, Relation.MENTOR: User.mentor_id}


def followed_by(viewer: User, via: Relation | None = None) -> ColumnElement[bool]:
    """A condition on `User`: the people `viewer` answers for.

    Everyone for HR and admin; otherwise the people they manage or mentor.
    `via` asks for one relation only (a manager's team, a mentor's
    mentees), whatever the viewer's other roles. Not "active" or role
    filters: each list adds its own.
    """
    if via is None and viewer.has_role(*STAFF_ADMIN_ROLES):
        return true()
    relations = (via,) if via is not None else tuple(Relation)
    return or_(false(), *(_RELATION_COLUMNS[relation] == viewer.id for relation in relations))


def people_followed_by(viewer: User, via: Relation | None = None) -> Select:
    """A select of the ids of the people `viewer` answers for (see followed_by), for `IN (…)`."""
    return select(User.id).where(followed_by(viewer, via))


def answers_for(viewer: User, person: User, via: Relation | None = None) -> bool:
    """followed_by for one loaded person, without a query."""
    if via is None and viewer.has_role(*STAFF_ADMIN_ROLES):
        return True
    relations = (via,) if via is not None else tuple(Relation)
    return any(getattr(person, _RELATION_COLUMNS[relation].key) == viewer.id for relation in relations)


def roles_required(*roles: str):
    """Decorate a view: sign-in required, and one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_view_person(viewer: User, person: User) -> bool:
    """Who may see a person's records: the person, and whoever answers for them (see followed_by)."""
    return viewer.id == person.id or answers_for(viewer, person)


def get_person_or_404(person_id: int, viewer: User) -> User:
    """Load a person the viewer may see, or answer 404 as if it did not exist."""
    person = db.session.get(User, person_id)
    if person is None or not can_view_person(viewer, person):
        abort(404)
    return person


def get_owned_or_404(model, object_id: int, viewer: User, owner_attr: str = "user_id"):
    """Load an object that belongs to `viewer` (HR and admin see all), else 404."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    if getattr(obj, owner_attr) != viewer.id and not viewer.has_role(*STAFF_ADMIN_ROLES):
        abort(404)
    return obj
