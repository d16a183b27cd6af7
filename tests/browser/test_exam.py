"""A rep sits the quarterly exam end to end; another rep cannot open their attempt (issue 6).

The shipped 2026-Q4 definition is loaded with its window moved around now,
so the test does not depend on the calendar. Screenshots of the taking page
and the summary land in tests/browser/artifacts/exam-<page>-<width>.png.
"""

import dataclasses
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lms.courses.cli import sync_content
from lms.exams import catalog
from lms.exams.definitions import load_definition
from lms.extensions import db
from lms.models import utcnow
from lms.question_bank.loader import load_banks
from lms.question_bank.sync import sync_banks

from .conftest import ARTIFACTS, PHONE

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def open_exam(live_server):
    """The course, the guide bank and the 2026-Q4 exam (window open now) in the live server's database."""
    quizzes = Path(live_server.app.config["QUIZZES_DIR"])
    shipped = load_definition(quizzes / "exams" / "2026-Q4.yaml")
    now = utcnow()
    definition = dataclasses.replace(shipped, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3))
    with live_server.app.app_context():
        sync_content(Path(live_server.app.config["CONTENT_DIR"]))
        sync_banks([bank for bank in load_banks(quizzes) if bank.name == "guide"], {})
        catalog.sync_exams([definition])
        db.session.commit()
    return definition


def _answer(question) -> None:
    """Give some answer to one question on the page, whatever its type."""
    kind = question.locator("fieldset").get_attribute("data-type")
    if kind in ("single", "true_false", "multiple"):
        question.locator("input").first.check()
    elif kind == "numeric":
        question.locator("input").fill("3")
    else:
        question.locator("input").fill("测试答案")


def _shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"exam-{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"exam-{name}-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_rep_takes_the_exam_and_another_rep_cannot_open_the_attempt(
    browser, page, live_server, open_exam, make_person, sign_in
):
    rep = make_person(name="应考代表")
    sign_in(page, rep)
    page.goto(live_server.path("/exams/"))
    card = page.locator(f"#exam-{open_exam.key}")
    expect(card).to_contain_text("进行中")
    card.get_by_role("button", name="开始第 1 次作答").click()
    expect(page).to_have_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_url = page.url

    countdown = page.locator("#exam-clock .countdown")
    expect(countdown).to_contain_text(re.compile(r"剩余 \d+ 分 \d\d 秒"))
    first = countdown.inner_text()
    page.wait_for_timeout(2100)
    assert countdown.inner_text() != first, "the countdown did not tick"

    questions = page.locator(".exam-question")
    expect(questions).to_have_count(5)
    saved = [questions.nth(i).get_attribute("data-slot") for i in range(3)]
    for index, slot in enumerate(saved):
        # Wait for the save carrying this answer: text answers go after a pause in typing, and
        # leaving the previous field may send a save of its own first.
        with page.expect_response(
            # The slot as a JSON key ("3":), not as any string: a numeric answer "3" would match too.
            lambda r, slot=slot: r.url.endswith("/answers") and f'"{slot}":' in (r.request.post_data or "")
        ) as saved_reply:
            _answer(questions.nth(index))
        assert saved_reply.value.status == 200
    expect(page.locator("#save-status")).to_have_text("已保存")
    _shoot(page, "take")

    page.reload()
    for slot in saved:
        question = page.locator(f"#slot-{slot}")
        kind = question.locator("fieldset").get_attribute("data-type")
        if kind in ("single", "true_false", "multiple"):
            expect(question.locator("input").first).to_be_checked()
        else:
            expect(question.locator("input")).not_to_have_value("")
    expect(page.locator("#answered-count")).to_have_text("3")

    page.get_by_role("button", name="检查并交卷").click()
    expect(page).to_have_url(re.compile(r"/summary$"))
    expect(page.locator(".state-overdue")).to_have_text("还有 47 / 50 题未作答：")
    expect(page.locator(".unanswered-list li")).to_have_count(47)
    _shoot(page, "summary")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="交卷", exact=True).click()
    expect(page).to_have_url(re.compile(r"/result$"))
    expect(page.locator(".result-score")).to_contain_text(re.compile(r"\d+(\.\d+)? 分"))
    expect(page.locator(".result-fail")).to_have_text("未通过")  # three answers cannot reach 80
    expect(page.locator("#result")).to_contain_text("80 分及以上（含）为通过")
    expect(page.locator(".remediation-list li").first).to_be_visible()
    _shoot(page, "result")

    other = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        intruder = other.new_page()
        sign_in(intruder, make_person(name="另一位代表"))
        for url in (attempt_url, attempt_url + "/summary", attempt_url + "/result"):
            response = intruder.goto(url)
            assert response.status == 404, url
    finally:
        other.close()


def test_answered_count_follows_the_answers_and_typing_is_sent_when_the_page_is_left(
    page, live_server, open_exam, make_person, sign_in
):
    sign_in(page, make_person(name="边答边走的代表"))
    page.goto(live_server.path("/exams/"))
    page.locator(f"#exam-{open_exam.key}").get_by_role("button", name="开始第 1 次作答").click()
    expect(page).to_have_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_url = page.url
    count = page.locator("#answered-count")
    expect(count).to_have_text("0")
    questions = page.locator(".exam-question")
    for index in range(2):
        slot = questions.nth(index).get_attribute("data-slot")
        # Let each answer reach the server before the page changes below: a page rendered
        # before a save lands would count one answer fewer.
        with page.expect_response(
            # The slot as a JSON key ("3":), not as any string: a numeric answer "3" would match too.
            lambda r, slot=slot: r.url.endswith("/answers") and f'"{slot}":' in (r.request.post_data or "")
        ):
            _answer(questions.nth(index))
            expect(count).to_have_text(str(index + 1))  # at once, before any reload

    typed = None
    for number in range(2, 11):  # a page with a typed (short or numeric) answer
        page.goto(f"{attempt_url}?page={number}")
        typed = page.locator(
            ".exam-question:has(fieldset[data-type='numeric']), .exam-question:has(fieldset[data-type='short'])"
        ).first
        if typed.count():
            break
    assert typed is not None and typed.count(), "the paper has no typed question"
    slot = typed.get_attribute("data-slot")
    typed.locator("input").fill("42")
    expect(count).to_have_text("3")
    page.goto(live_server.path("/exams/"))  # left within the pause after typing: sent on pagehide
    for _ in range(10):  # the keepalive save may land after the next page has loaded
        page.wait_for_timeout(300)
        page.goto(f"{attempt_url}?page={number}")
        if page.locator(f"#slot-{slot} input").input_value() == "42":
            break
    expect(page.locator(f"#slot-{slot} input")).to_have_value("42")
    expect(count).to_have_text("3")
