"""Role checks and the HR CSV import, in a real browser."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.extensions import db
from lms.models import User

pytestmark = pytest.mark.browser


def test_rep_is_refused_the_people_pages(page, live_server, make_person, sign_in):
    sign_in(page, make_person(roles=("rep",)))
    response = page.goto(live_server.path("/people/"))
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("没有权限")
    expect(page.locator("main")).to_contain_text("您的角色无权访问此页面")


def _existing(live_server, numbers) -> list[str]:
    with live_server.app.app_context():
        return list(db.session.scalars(select(User.employee_no).where(User.employee_no.in_(numbers))))


def test_csv_import_reports_the_bad_row_then_imports_a_good_file(page, live_server, make_person, sign_in, upload_csv):
    manager = make_person(roles=("manager",), employee_no="CSVM01")
    sign_in(page, make_person(roles=("hr",)))
    header = "工号,姓名,邮箱,入职日期,团队,经理工号,角色\n"
    bad = (
        header
        + "CSV001,赵一,csv001@example.com,2026-03-01,华东二组,CSVM01,销售代表\n"
        + "CSV002,钱二,csv002@example.com,2026-02-30,华东二组,CSVM01,销售代表\n"
        + "CSV003,孙三,csv003@example.com,2026-03-02,华东二组,CSVM01,销售代表\n"
    )
    upload_csv(page, "bad.csv", bad)
    expect(page.get_by_role("heading", name="发现 1 处错误，未写入任何数据")).to_be_visible()
    expect(page.locator(".error-list li")).to_have_text(
        ["第 3 行：入职日期「2026-02-30」无效，应为 YYYY-MM-DD，例如 2026-03-01"]
    )
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert _existing(live_server, ["CSV001", "CSV002", "CSV003"]) == []

    good = bad.replace("2026-02-30", "2026-02-28")
    upload_csv(page, "good.csv", good)
    expect(page.get_by_role("heading", name="预览：新增 3 人，更新 0 人，未变 0 人")).to_be_visible()
    rows = page.locator("table.data tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("CSV002")
    expect(rows.nth(1)).to_contain_text("新增")
    assert _existing(live_server, ["CSV001", "CSV002", "CSV003"]) == []  # a preview writes nothing

    page.get_by_role("button", name="确认导入").click()
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(page.locator(".flash-success")).to_have_text("导入完成：新增 3 人，更新 0 人，未变 0 人。")
    assert sorted(_existing(live_server, ["CSV001", "CSV002", "CSV003"])) == ["CSV001", "CSV002", "CSV003"]
    with live_server.app.app_context():
        imported = db.session.scalars(select(User).where(User.employee_no == "CSV002")).one()
        assert imported.manager.employee_no == manager.employee_no
        assert str(imported.hire_date) == "2026-02-28"
