"""The exam page keeps answers the server could not save (503 while the database restarts, a dropped
connection) and sends them again until they are saved (issue 15).

The browser's requests to the autosave URL are intercepted: the first two get the server's 503, the
third is cut off as a network failure, and the rest go through. The answers given meanwhile, on the
page and in the database afterwards, are what counts. Screenshot: artifacts/exam-autosave-retry.png.
"""

import dataclasses
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.errors import DATABASE_UNAVAILABLE
from lms.exams import catalog
from lms.exams.definitions import load_definition
from lms.extensions import db
from lms.models import AttemptQuestion, utcnow
from lms.question_bank.loader import load_banks
from lms.question_bank.sync import sync_banks

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def open_exam(live_server):
    """The guide bank and the 2026-Q4 exam, open now, in the live server's database."""
    quizzes = Path(live_server.app.config["QUIZZES_DIR"])
    shipped = load_definition(quizzes / "exams" / "2026-Q4.yaml")
    now = utcnow()
    definition = dataclasses.replace(shipped, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3))
    with live_server.app.app_context():
        sync_banks([bank for bank in load_banks(quizzes) if bank.name == "guide"], {})
        catalog.sync_exams([definition])
        db.session.commit()
    return definition


def _choose_first_option(question) -> None:
    kind = question.locator("fieldset").get_attribute("data-type")
    if kind in ("single", "true_false", "multiple"):
        question.locator("input").first.check()
    elif kind == "numeric":
        question.locator("input").fill("3")
    else:
        question.locator("input").fill("重试后保存的答案")


def test_answers_refused_with_503_or_lost_on_the_network_are_sent_again_until_saved(
    page, live_server, open_exam, make_person, sign_in
):
    rep = make_person(name="重试代表")
    sign_in(page, rep)
    page.goto(live_server.path("/exams/"))
    page.locator(f"#exam-{open_exam.key}").get_by_role("button", name="开始第 1 次作答").click()
    expect(page).to_have_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])

    seen = []

    def flaky(route):
        seen.append(json.loads(route.request.post_data or "{}").get("answers", {}))
        if len(seen) <= 2:
            body = json.dumps({"error": "暂时无法处理", "message": DATABASE_UNAVAILABLE}, ensure_ascii=False)
            route.fulfill(status=503, content_type="application/json", body=body, headers={"Retry-After": "2"})
        elif len(seen) == 3:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r"/exams/attempts/\d+/answers$"), flaky)
    questions = page.locator("[data-slot]")
    first, second = questions.nth(0), questions.nth(1)
    _choose_first_option(first)
    status = page.locator("#save-status")
    expect(status).to_contain_text("正在自动重试")
    _choose_first_option(second)  # answered while the first one is still waiting to be saved
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "exam-autosave-retry.png"), full_page=True)

    expect(status).to_have_text("已保存", timeout=40_000)
    slot_ids = {first.get_attribute("data-slot"), second.get_attribute("data-slot")}
    assert len(seen) >= 4
    assert slot_ids <= set().union(*(answers.keys() for answers in seen[3:]))  # both went out after the failures
    with live_server.app.app_context():
        stored = db.session.scalars(
            select(AttemptQuestion).where(AttemptQuestion.id.in_([int(i) for i in slot_ids]))
        ).all()
        assert len(stored) == 2 and all(slot.response for slot in stored)
        assert all(slot.attempt_id == attempt_id for slot in stored)
