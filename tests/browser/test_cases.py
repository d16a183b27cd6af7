"""A mentor writes a case, a manager publishes it, a rep finds it by a two-character word and rates it (issue 7)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PARTS = {
    "info": "客户反馈付款审批变长，回款比计划晚了两个月。",
    "analysis": "关键节点：签约时没有确认付款条件。",
    "discussion": "失败原因：没有识别财务负责人这一决策影响者。",
    "methods": "签约前与财务负责人一起确认付款流程。",
}


def test_case_from_draft_to_rating(page, live_server, make_person, sign_in):
    mentor = make_person(roles=("rep", "mentor"), name="案例导师")
    manager = make_person(roles=("manager",), name="审核主管")
    rep = make_person(roles=("rep",), name="读者代表")

    sign_in(page, mentor)
    page.goto(live_server.path("/cases/new"))
    page.fill("#title", "制造业客户回款延迟复盘")
    page.check("input[name=outcome][value=failure]")
    page.select_option("#segment", "stable")
    page.check("input[name=dimensions][value=communication]")
    page.fill("#clauses", "5.4")
    page.fill("#tags", "回款, 制造业")
    for name, text in PARTS.items():
        page.fill(f"#{name}", text)
    expect(page.locator("#preview-info")).to_contain_text("回款比计划晚了两个月", timeout=10_000)
    page.click("#submit-review")
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    page.get_by_role("button", name="退出").click()

    sign_in(page, manager)
    page.goto(case_url)
    page.click("#approve-case")
    expect(page.locator("main")).to_contain_text("已发布")
    page.get_by_role("button", name="退出").click()

    sign_in(page, rep)
    page.goto(live_server.path("/cases/"))
    page.fill("#q", "回款")
    page.click("#search-cases")
    result = page.get_by_role("link", name=re.compile("制造业客户回款延迟复盘"))
    expect(result).to_be_visible()
    expect(page.locator("mark").first).to_have_text("回款")
    result.click()
    expect(page).to_have_url(case_url)
    for name in ("quality", "application", "engagement", "improvement"):
        page.check(f"input[name={name}][value='4']")
    page.click("#submit-rating")
    expect(page.locator("#rating-status")).to_have_text("评价已保存，可随时修改。")
    expect(page.locator('#rating-summary [data-role="count"]')).to_have_text("已有 1 人评价，满 3 人后显示平均分。")
