"""Access control in one place: every view uses these helpers.

Checks run on the server. An object the signed-in person may not see is
reported as missing (404), so changing an id in a URL reveals nothing.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from lms.extensions import db
from lms.models import User

STAFF_ADMIN_ROLES = ("hr", "admin")


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
    """Who may see a person's records: the person, their mentor and manager, HR and admin."""
    return (
        viewer.id == person.id
        or viewer.has_role(*STAFF_ADMIN_ROLES)
        or person.manager_id == viewer.id
        or person.mentor_id == viewer.id
    )


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
