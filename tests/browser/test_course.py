"""A new hire reads the course; a manager sees who is late (issue 4)."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lms.courses.cli import sync_content
from lms.onboarding.program import program_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def course(live_server):
    """The shipped course, loaded into the live server's database."""
    with live_server.app.app_context():
        sync_content(Path(live_server.app.config["CONTENT_DIR"]))
    return program_in(live_server.app.config["CONTENT_DIR"])


def test_new_hire_reads_a_lesson_with_a_table_and_progress_rises(page, live_server, course, make_person, sign_in):
    total = len(course.lessons)
    hire = make_person(name="新同事", hire_date=date.today() - timedelta(days=5))
    sign_in(page, hire)
    panel = page.locator("#panel-onboarding")
    expect(panel).to_contain_text(f"已完成 0 / {total} 节（0%）")
    expect(panel).to_contain_text("剩余")

    page.locator(".nav-group summary", has_text="学习").click()  # the menu opens on click
    page.get_by_role("link", name="课程", exact=True).click()
    expect(page.get_by_test_id("progress-text")).to_contain_text("已完成 0 / 35 节")
    page.get_by_role("link", name="总则", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/course/1$"))
    table = page.locator(".lesson-body table").first
    expect(table.locator("th").first).to_have_text("基本原则")
    expect(table).to_contain_text("专业主义")

    page.locator("#complete-lesson").click()
    expect(page).to_have_url(re.compile(r"/course/1\.1$"))
    expect(page.locator(".flash")).to_have_text("已完成本节。")
    page.get_by_role("link", name="首页").click()
    expect(panel).to_contain_text(f"已完成 1 / {total} 节")
    expect(page.locator("#onboarding-progress")).to_have_attribute("value", "1")


def test_manager_sees_the_overdue_new_hire_first(page, live_server, course, make_person, sign_in):
    manager = make_person(roles=("manager",), name="带队经理")
    make_person(name="准时新人", manager_id=manager.id, hire_date=date.today() - timedelta(days=3))
    make_person(name="逾期新人", manager_id=manager.id, hire_date=date.today() - timedelta(days=50))
    sign_in(page, manager)
    page.locator(".nav-group summary", has_text="团队").click()
    page.get_by_role("link", name="入职进度").click()
    rows = page.locator(".onboarding-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("逾期新人")
    expect(rows.first).to_contain_text("已逾期")
    expect(rows.nth(1)).to_contain_text("准时新人")
    expect(page.locator(".overdue-count")).to_have_text("逾期 1 人")
