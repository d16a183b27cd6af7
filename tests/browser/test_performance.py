"""HR imports a grade sheet (XLSX) through preview and confirmation; the rep sees the grade and may appeal."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["工号", "期间", "绩效总分", "等级", "KPI达成率"])
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_hr_previews_confirms_and_the_rep_sees_the_grade(sized_page, live_server, make_person, sign_in):
    page = sized_page
    hr = make_person(roles=("hr",))
    manager = make_person(roles=("manager",))
    reps = [make_person(manager_id=manager.id) for _ in range(3)]
    rows = [[reps[0].employee_no, "2026-Q3", 92, "S", "125%"], [reps[1].employee_no, "2026-Q3", 65, "C", None]]
    rows.append([reps[2].employee_no, "2026-Q3", 95, "A", None])  # grade and score disagree
    sign_in(page, hr)
    page.goto(live_server.path("/performance/import"))
    page.get_by_label("成绩文件（CSV 或 XLSX）").set_input_files(
        files=[{"name": "三季度.xlsx", "mimeType": "application/octet-stream", "buffer": _xlsx(rows)}]
    )
    page.get_by_role("button", name="预览导入").click()
    expect(page.get_by_text("发现 1 行有误，未写入任何数据")).to_be_visible()
    expect(page.get_by_text("第 4 行：等级 A 与绩效总分 95.0 不符")).to_be_visible()
    rows[2][3] = "S"
    page.get_by_label("成绩文件（CSV 或 XLSX）").set_input_files(
        files=[{"name": "三季度.xlsx", "mimeType": "application/octet-stream", "buffer": _xlsx(rows)}]
    )
    page.get_by_role("button", name="预览导入").click()
    expect(page.get_by_text("预览：新增 3 条，更正 0 条，不变 0 条")).to_be_visible()
    expect(page.get_by_text("超过目标 ≤10%").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"performance-preview-{page.width_name}.png"), full_page=True)
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成：新增 3 条")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"performance-grades-{page.width_name}.png"), full_page=True)
    page.context.clear_cookies()
    sign_in(page, reps[1])
    page.goto(live_server.path("/performance/mine"))
    page.get_by_role("link", name="详情 / 申诉").click()
    expect(page.get_by_text("重新评估（30 天后）")).to_be_visible()
    expect(page.get_by_role("button", name="提交申诉")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"performance-grade-{page.width_name}.png"), full_page=True)
