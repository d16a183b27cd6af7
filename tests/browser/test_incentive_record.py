"""Issue 14, 9: HR imports three quarters of grades; a rep with A, S, A sees 连续3个季度 met with its evidence,
a rep with A, S, B sees what is missing; HR confirms the period and exports it. Desktop and phone widths."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

SCORES = {"S": 92, "A": 85, "B": 75}
QUARTERS = ("2026-Q1", "2026-Q2", "2026-Q3")


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["工号", "期间", "绩效总分", "等级"])
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"incentive-{name}-{page.width_name}.png"), full_page=True)


def test_grades_to_eligibility_confirmation_and_export(sized_page, live_server, make_person, sign_in):
    page = sized_page
    hr = make_person(roles=("hr",), name="人事小林")
    manager = make_person(roles=("manager",))
    streak = make_person(manager_id=manager.id, name=f"连续优秀{page.width_name}")
    short = make_person(manager_id=manager.id, name=f"差一季{page.width_name}")
    rows = [
        [person.employee_no, quarter, SCORES[grade], grade]
        for person, grades in ((streak, "ASA"), (short, "ASB"))
        for quarter, grade in zip(QUARTERS, grades, strict=True)
    ]

    # HR imports the three quarters through the grade import page (preview, then confirm).
    sign_in(page, hr)
    page.goto(live_server.path("/performance/import"))
    page.get_by_label("成绩文件（CSV 或 XLSX）").set_input_files(
        files=[{"name": "前三季度.xlsx", "mimeType": "application/octet-stream", "buffer": _xlsx(rows)}]
    )
    page.get_by_role("button", name="预览导入").click()
    expect(page.get_by_text("预览：新增 6 条")).to_be_visible()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成：新增 6 条")).to_be_visible()
    page.context.clear_cookies()

    # A, S, A: the rule is met, with the three grades as evidence.
    sign_in(page, streak)
    page.goto(live_server.path("/record/?period=2026-Q3"))
    rule = page.locator('[data-rule="three_quarters_a"]')
    expect(rule).to_contain_text("已满足")
    expect(rule).to_contain_text("2026-Q1 A、Q2 S、Q3 A：连续 ≥A 3 个季度")
    expect(rule.locator(".evidence li")).to_have_count(3)
    expect(rule.locator(".evidence li").first).to_contain_text("2026-Q1 绩效，等级 A（优秀）")
    expect(page.locator('[data-type="development"]')).to_contain_text("晋升销售主管/区域经理资格")
    _shot(page, "met")
    rule.locator(".evidence a").first.click()  # each piece of evidence opens its fact
    expect(page.get_by_role("heading", name="绩效等级")).to_be_visible()
    expect(page.get_by_text("哈希", exact=True)).to_be_visible()
    page.context.clear_cookies()

    # A, S, B: not met, and the page says what is missing.
    sign_in(page, short)
    page.goto(live_server.path("/record/?period=2026-Q3"))
    rule = page.locator('[data-rule="three_quarters_a"]')
    expect(rule).to_contain_text("未满足")
    expect(rule).to_contain_text("2026-Q1 A、Q2 S、Q3 B：连续 ≥A 最长 2 个季度，还差 1 个")
    expect(page.locator(".still-needed")).to_contain_text("还差 1 个")
    _shot(page, "missing")
    # Another person's record is not for a rep.
    response = page.goto(live_server.path(f"/record/people/{streak.id}"))
    assert response.status == 403
    page.context.clear_cookies()

    # HR confirms the period's list and exports it.
    sign_in(page, hr)
    page.goto(live_server.path("/record/report?period=2026-Q3&rule=three_quarters_a"))
    expect(page.locator(f'tr[data-person="{streak.employee_no}"]')).to_contain_text("符合")
    expect(page.locator(f'tr[data-person="{short.employee_no}"]')).to_have_count(0)
    _shot(page, "report")
    page.get_by_role("button", name="确认 2026-Q3 资格名单").click()
    expect(page.get_by_text("已确认 2026-Q3 的激励资格名单")).to_be_visible()
    decision = page.locator("section.decision", has_text=streak.name)
    expect(decision).to_contain_text("连续 3 个季度绩效等级 ≥A")
    expect(page.locator("section.decision", has_text=short.name)).to_have_count(0)
    _shot(page, "confirmed")
    page.get_by_role("link", name="激励资格报表").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    exported = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    header = exported["工号"]
    column = header.index("连续 3 个季度绩效等级 ≥A")
    assert exported[streak.employee_no][column] == "符合：2026-Q1 A、Q2 S、Q3 A：连续 ≥A 3 个季度"
    assert exported[short.employee_no][column].startswith("不符合：2026-Q1 A、Q2 S、Q3 B")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 CSV").click()
    assert streak.employee_no in download.value.path().read_text(encoding="utf-8-sig")
    page.context.clear_cookies()

    # The rep can see that HR looked at their record.
    sign_in(page, streak)
    page.goto(live_server.path("/record/views"))
    expect(page.get_by_text("人事小林").first).to_be_visible()
