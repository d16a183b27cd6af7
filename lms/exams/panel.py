"""The rep dashboard's exam panel: exams open now, and the remediation to-do."""

from __future__ import annotations

from lms import clock
from lms.exams import catalog, remediation
from lms.models import User


def exam_panel(user: User) -> dict | None:
    """Open exams the person may still take and remediation lessons not yet done; None if neither."""
    open_exams = [card for card in catalog.exams_for(user, clock.now()) if card.can_start]
    todo = remediation.dashboard_todo(user)
    if not open_exams and not todo:
        return None
    return {"open": open_exams, "todo": todo}
