"""Signing in and out in a real browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SAME_ANSWER = "工号/邮箱或密码不正确。"


def test_sign_in_lands_on_the_role_dashboard(page, live_server, make_person, sign_in):
    rep = make_person(roles=("rep",), name="李销售")
    sign_in(page, rep)
    expect(page).to_have_url(re.compile(r"/dashboard/rep$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("李销售，您好")
    expect(page.get_by_role("navigation", name="主导航")).not_to_contain_text("人员管理")


def test_sign_in_by_email_too(page, make_person, sign_in):
    rep = make_person(email="mixed.case@example.com")
    sign_in(page, "Mixed.Case@Example.com")
    expect(page.get_by_role("heading", level=1)).to_contain_text(rep.name)


def test_sign_out_ends_the_session(page, live_server, make_person, sign_in):
    rep = make_person()
    sign_in(page, rep)
    dashboard = page.url
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".flash")).to_have_text("您已退出登录。")
    # The browser keeps no usable session: asking for the old page again
    # lands on the sign-in page.
    page.goto(dashboard)
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdashboard%2Frep$"))
    expect(page.locator(".flash")).to_have_text("请先登录。")


def test_back_button_after_sign_out_shows_no_private_page(page, make_person, sign_in):
    rep = make_person()
    sign_in(page, rep)
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    # A page restored from the back/forward cache fires no load event, so
    # wait only for the navigation to commit.
    page.go_back(wait_until="commit")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdashboard%2Frep$"))
    expect(page.locator("body")).not_to_contain_text(f"{rep.name}，您好")


def test_wrong_password_and_unknown_account_get_the_same_answer(page, live_server, make_person, sign_in):
    rep = make_person()
    sign_in(page, rep, password="not-the-password-1")
    expect(page).to_have_url(re.compile(r"/login$"))
    wrong_password = page.locator(".field-error").all_inner_texts()

    sign_in(page, "nobody-here", password="not-the-password-1")
    unknown_account = page.locator(".field-error").all_inner_texts()

    assert wrong_password == unknown_account == [SAME_ANSWER]
    # The password is never echoed back; the sign-in name is, for convenience.
    expect(page.get_by_label("密码", exact=True)).to_have_value("")
    expect(page.get_by_label("工号或邮箱")).to_have_value("nobody-here")
