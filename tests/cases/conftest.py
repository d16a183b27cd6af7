"""Fixtures of the case tests: people in each role and a factory of cases in any state."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from flask import has_app_context

from lms.cases import service
from lms.extensions import db as _db
from lms.models import User
from lms.models.cases import CaseReview


def case_data(**overrides) -> service.CaseData:
    """A complete, valid case; override any field."""
    values = dict(
        title="某制造业客户回款延迟复盘",
        outcome="failure",
        segment="stable",
        dimensions=["communication", "process"],
        clauses=["5.4"],
        tags=["回款", "制造业"],
        info="客户反馈付款审批流程变长，回款比计划晚了两个月。",
        analysis="关键节点在合同签订时没有确认付款条件。",
        discussion="失败原因：对决策影响者的识别不够。",
        methods="签约前与财务负责人确认付款流程。",
        improvements="建立回款预警机制。",
    )
    values.update(overrides)
    return service.CaseData(**values)


@pytest.fixture
def people(make_user):
    """A mentor, a second mentor, a manager, a second manager and three reps (detached Users)."""
    return {
        "mentor": make_user(roles=("rep", "mentor"), name="王导师"),
        "mentor2": make_user(roles=("rep", "mentor"), name="李导师"),
        "manager": make_user(roles=("manager",), name="赵主管"),
        "manager2": make_user(roles=("manager",), name="钱主管"),
        "rep1": make_user(roles=("rep",), name="孙代表"),
        "rep2": make_user(roles=("rep",), name="周代表"),
        "rep3": make_user(roles=("rep",), name="吴代表"),
    }


@pytest.fixture
def make_case(app, people):
    """Factory: make_case(state="published", author="mentor", **data) → case id.

    States: draft, submitted, published, archived. Commits, like a request would.
    """

    def factory(state: str = "published", author: str = "mentor", **data) -> int:
        # Reuse the test's app context when there is one: in-memory SQLite has
        # a single connection, so a second session could not begin.
        with nullcontext() if has_app_context() else app.app_context():
            writer = _db.session.get(User, people[author].id)
            manager = _db.session.get(User, people["manager2" if author == "manager" else "manager"].id)
            case = service.create_case(case_data(**data), writer)
            if state != "draft":
                service.submit_case(case, writer)
            if state in ("published", "archived"):
                service.approve_case(case, manager)
            if state == "archived":
                service.archive_case(case, manager)
            _db.session.commit()
            return case.id

    return factory


def load(case_id: int) -> CaseReview:
    """The case, in the current session."""
    return _db.session.get(CaseReview, case_id)


def user(person: User) -> User:
    """The person, attached to the current session."""
    return _db.session.get(User, person.id)
