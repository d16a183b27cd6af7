"""Fixtures of the grade tests: a frozen clock, a small organisation, grade files in every encoding and XLSX."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest

from lms import clock
from lms.extensions import db as _db
from lms.models import User
from lms.performance import grades

HEADER = ["工号", "期间", "绩效总分", "等级", "KPI达成率", "客户满意度排名百分位"]


@pytest.fixture
def frozen_now(monkeypatch):
    """frozen_now(datetime) sets clock.now (naive UTC); the default is Wednesday 2026-10-14 10:00 Beijing."""

    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    freeze(datetime(2026, 10, 14, 2, 0))
    return freeze


@pytest.fixture
def org(make_user):
    """HR, two managers, three reps: rep1 and rep2 report to manager, rep3 to other_manager."""
    hr = make_user(roles=("hr",), employee_no="H001", name="人事甲")
    manager = make_user(roles=("manager",), employee_no="M001", name="主管甲")
    other_manager = make_user(roles=("manager",), employee_no="M002", name="主管乙")
    rep1 = make_user(employee_no="S001", name="销售一", manager_id=manager.id)
    rep2 = make_user(employee_no="S002", name="销售二", manager_id=manager.id)
    rep3 = make_user(employee_no="S003", name="销售三", manager_id=other_manager.id)
    return {"hr": hr, "manager": manager, "other_manager": other_manager, "rep1": rep1, "rep2": rep2, "rep3": rep3}


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    """A CSV of `rows` under `header`, encoded as HR's Excel would save it."""
    lines = [",".join(header), *(",".join(str(cell) for cell in row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, header=HEADER, formats: dict[int, str] | None = None) -> bytes:
    """An XLSX workbook with `rows` under `header`; `formats` sets a column's number format (0-based)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    for column, number_format in (formats or {}).items():
        for cells in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            cells[0].number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def import_grades(app):
    """import_grades(data, name=…, actor=None, reason="") applies a file and commits; returns the plan."""

    def run(data: bytes, name: str = "grades.csv", actor: User | None = None, reason: str = ""):
        actor = _db.session.get(User, actor.id) if actor is not None else None
        plan = grades.apply_import(data, name, actor=actor, reason=reason)
        if plan.errors:
            _db.session.rollback()
        else:
            _db.session.commit()
        return plan

    return run
