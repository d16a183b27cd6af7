"""Skill tracks end to end in Chromium (issue 13, point 9).

A rep reads the lessons of 客户沟通技巧·初级, passes its level quiz (the test
knows the answers from the bank on the server side: the page carries opaque
option tokens only) and asks their mentor for the practical assessment; the
mentor scores it with the rubric and signs; the rep sees 初级 achieved; their
manager sees it in the team matrix and drills down to the evidence. Then a
certificate's QR code, read back from its PDF, opens the public verification
page for someone signed out. Screenshots at desktop (1280) and phone (390)
widths land in tests/browser/artifacts/skills-<page>-<width>.png.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from certificates.test_pdf import qr_image  # reads the QR code back from the PDF's drawing
from playwright.sync_api import expect
from sqlalchemy import select
from tracks.skill_seed import Grant, grant_levels

from lms.certificates.service import settle_certificate
from lms.courses.cli import sync_content
from lms.exams import options
from lms.extensions import db
from lms.models import AttemptQuestion, Question, QuestionChoice
from lms.question_bank.loader import load_banks
from lms.question_bank.sync import sync_banks
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS
from lms.tracks.service import achieved_cells

from .conftest import ARTIFACTS, DESKTOP, PHONE

pytestmark = pytest.mark.browser

CELL = "/skills/cells/communication/basic"


@pytest.fixture(scope="module")
def skill_tracks(live_server):
    """The course with its skill tracks (cells and level quizzes) and the guide bank, in the live database."""
    app = live_server.app
    with app.app_context():
        sync_content(Path(app.config["CONTENT_DIR"]))
        sync_banks([bank for bank in load_banks(Path(app.config["QUIZZES_DIR"])) if bank.name == "guide"], {})
        db.session.commit()


def _shoot(page, name: str) -> None:
    """Full-page screenshots of the current page at desktop and phone widths."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"skills-{name}-{width}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def _right_answers(app, attempt_id: int) -> dict[int, tuple[str, list[str] | str]]:
    """Slot id -> ("choose", option tokens) or ("type", text): the bank's right answer for each question."""
    answers = {}
    with app.app_context():
        slots = db.session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)).all()
        secret = options.app_secret()
        for slot in slots:
            question = db.session.get(Question, slot.question_id)
            if question.type == "numeric":
                best = next(a for a in question.answer["numeric"] if str(a.get("weight", 100)) in ("100", "100.0"))
                answers[slot.id] = ("type", str(best["value"]))
            elif question.type == "short":
                answers[slot.id] = ("type", question.answer["accepted"][0]["text"])
            elif question.type == "true_false":
                key = "true" if question.answer["truth"] else "false"
                answers[slot.id] = ("choose", [options.token(attempt_id, slot.id, key, secret)])
            else:
                keys = db.session.scalars(
                    select(QuestionChoice.key).where(
                        QuestionChoice.question_id == question.id, QuestionChoice.correct.is_(True)
                    )
                ).all()
                answers[slot.id] = ("choose", [options.token(attempt_id, slot.id, key, secret) for key in keys])
    return answers


def _pass_the_quiz(page, app) -> None:
    """On the quiz's taking page: give every right answer, submit, and see it passed."""
    attempt_id = int(re.search(r"/exams/attempts/(\d+)", page.url).group(1))
    for slot_id, (how, answer) in _right_answers(app, attempt_id).items():
        question = page.locator(f"#slot-{slot_id}")
        if how == "type":
            question.locator("input").fill(answer)
        else:
            for value in answer:
                question.locator(f'input[value="{value}"]').check()
    page.get_by_role("button", name="检查并交卷").click()
    expect(page).to_have_url(re.compile(r"/summary$"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="交卷", exact=True).click()
    expect(page).to_have_url(re.compile(r"/result$"))
    expect(page.locator(".result-pass")).to_have_text("通过")


def _read_the_lessons(page, live_server) -> None:
    """Open each lesson the cell's checklist links to and mark it read."""
    page.goto(live_server.path(CELL))
    links = page.locator('.skill-checklist li[data-kind="lesson"] a')
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs, "the cell lists no lessons"
    for href in hrefs:
        page.goto(live_server.path(href))
        page.get_by_role("button", name="完成本节").click()
        page.wait_for_load_state()
    page.goto(live_server.path(CELL))
    expect(page.locator('.skill-checklist li.req-done[data-kind="lesson"]')).to_have_count(len(hrefs))


def _sign_the_assessment(page, live_server, rep) -> None:
    """As the mentor: open the rep's request from the queue, score every criterion 4 and sign."""
    page.goto(live_server.path("/skills/assessments"))
    row = page.locator("tr", has_text=rep.employee_no)
    expect(row).to_contain_text("客户沟通技巧·初级")
    row.get_by_role("link", name="评估").click()
    expect(page.locator("#assessment-form")).to_be_visible()
    page.get_by_label("场景说明").fill("导师扮演来咨询的客户，10 分钟接待对话")
    criteria = page.locator("fieldset.criterion")
    assert criteria.count() >= 3
    for index in range(criteria.count()):
        criteria.nth(index).locator('input[type="radio"][value="4"]').check()
    page.locator('textarea[name="evidence_md"]').fill("倾听耐心，**复述准确**。")
    _shoot(page, "assess")
    page.get_by_role("button", name="签署评估").click()
    expect(page.locator(".flash-success")).to_contain_text("已签署")


def test_a_rep_climbs_to_basic_and_the_manager_sees_it_in_the_team_matrix(
    browser, page, live_server, skill_tracks, make_person, sign_in
):
    manager = make_person(roles=("manager",), name="马主管", team="华东二组")
    mentor = make_person(roles=("mentor", "rep"), name="秦导师", team="华东二组", manager_id=manager.id)
    rep = make_person(name="李新秀", team="华东二组", manager_id=manager.id, mentor_id=mentor.id)
    make_person(name="另一组的人", team="华南二组")  # not the manager's: never in their matrix

    sign_in(page, rep)
    page.goto(live_server.path("/skills/"))
    expect(page.locator("#cell-communication-basic")).to_have_attribute("data-state", "open")
    assert page.goto(live_server.path("/skills/team/")).status == 403  # a rep has no team matrix
    _read_the_lessons(page, live_server)
    page.get_by_role("button", name=re.compile("开始测验")).click()
    expect(page).to_have_url(re.compile(r"/exams/attempts/\d+$"))
    _pass_the_quiz(page, live_server.app)

    page.goto(live_server.path(CELL))
    page.get_by_label("评估人").select_option(label=f"{mentor.name}（导师）")
    page.get_by_role("button", name="申请实践考核").click()
    expect(page.locator("#open-request")).to_contain_text(mentor.name)
    _shoot(page, "cell")

    mentor_context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        mentor_page = mentor_context.new_page()
        sign_in(mentor_page, mentor)
        _sign_the_assessment(mentor_page, live_server, rep)
    finally:
        mentor_context.close()

    page.goto(live_server.path("/skills/"))
    cell = page.locator("#cell-communication-basic")
    expect(cell).to_have_attribute("data-state", "achieved")
    expect(cell).to_contain_text("已达成")
    _shoot(page, "rep")

    manager_context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        boss = manager_context.new_page()
        sign_in(boss, manager)
        boss.locator(".site-nav summary", has_text="团队").click()  # the menu's 团队 group
        boss.get_by_role("link", name="团队技能").click()
        expect(boss).to_have_url(re.compile(r"/skills/team/$"))
        row = boss.locator(f'tr[data-person="{rep.employee_no}"]')
        achieved = row.locator('td[data-dimension="communication"]')
        expect(achieved).to_have_class(re.compile(r"\blevel-1\b"))
        expect(achieved).to_contain_text("初级")
        expect(row.locator('td[data-dimension="data"]')).to_contain_text("未达成")
        expect(boss.locator("tr[data-person]")).to_have_count(2)  # the mentor and the rep; not the other team
        counts = boss.locator('table.skill-counts td[data-dimension="communication"][data-level="basic"]')
        expect(counts).to_have_text("1")
        _shoot(boss, "team-matrix")

        boss.get_by_label("等级").select_option("basic")
        boss.get_by_role("button", name="筛选").click()
        expect(boss.locator("tr[data-person]")).to_have_count(1)
        achieved = boss.locator(f'tr[data-person="{rep.employee_no}"] td[data-dimension="communication"]')
        achieved.get_by_role("link").click()
        expect(boss).to_have_url(re.compile(rf"/skills/people/{rep.id}#cell-communication-basic$"))
        expect(boss.locator("#cell-communication-basic")).to_contain_text(mentor.name)
    finally:
        manager_context.close()


@pytest.fixture
def certified(live_server, skill_tracks, make_person):
    """A rep holding every level (awarded in bulk, with evidence), whose certificate the rule then issues."""
    hr = make_person(roles=("hr",), name="韩人事")
    person = make_person(name="欧阳认证", employee_no="S09001")
    grants = [Grant(person.id, f"{d}/{lv}", date(2026, 6, 1)) for d in SKILL_DIMENSIONS for lv in SKILL_LEVELS]
    with live_server.app.test_request_context(base_url=live_server.url):
        grant_levels(db.session, grants, assessor_id=hr.id)
        certificate = settle_certificate(person.id, achieved_cells(person.id))
        assert certificate is not None
        db.session.commit()
    return person


def _qr_url(pdf: bytes) -> str:
    [barcode] = zxingcpp.read_barcodes(qr_image(pdf))
    return barcode.text


def test_a_certificates_qr_code_opens_the_public_verification_page(browser, page, live_server, certified, sign_in):
    sign_in(page, certified)
    page.goto(live_server.path("/certificates/mine"))
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF 证书").click()
    url = _qr_url(Path(download.value.path()).read_bytes())
    assert url.startswith(live_server.url + "/verify/")

    stranger = browser.new_context(viewport=DESKTOP, locale="zh-CN")  # signed out
    try:
        public = stranger.new_page()
        assert public.goto(url).status == 200
        expect(public.locator("#holder-name")).to_have_text("欧阳认证")
        expect(public.locator("#achievement")).to_have_text("高级销售技能认证")
        expect(public.locator("#certificate-status")).to_contain_text("有效")
        expect(public.locator(".site-nav")).to_have_count(0)  # nobody is signed in
        _shoot(public, "verify")
    finally:
        stranger.close()
