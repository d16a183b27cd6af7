"""Fixtures of the suggestion tests: a frozen clock, a team with its manager, another team, HR, a lesson."""

from __future__ import annotations

from datetime import datetime

import pytest

from lms import clock


@pytest.fixture
def frozen_now(monkeypatch):
    moment = datetime(2026, 10, 14, 2, 0)
    monkeypatch.setattr(clock, "now", lambda: moment)
    return moment


@pytest.fixture
def org(make_user, make_lesson):
    """A rep and their manager, another manager and rep, HR; the guide's clause 3.2 as a lesson (and 9.9 retired)."""
    make_lesson("3.2", title="销售流程")
    make_lesson("9.9", retired=True)
    hr = make_user(roles=("hr",), employee_no="H001")
    manager = make_user(roles=("manager",), employee_no="M001")
    other_manager = make_user(roles=("manager",), employee_no="M002")
    rep = make_user(employee_no="S001", manager_id=manager.id)
    other_rep = make_user(employee_no="S002", manager_id=other_manager.id)
    return {"hr": hr, "manager": manager, "other_manager": other_manager, "rep": rep, "other_rep": other_rep}
