"""The bank browser: HR/admin only, filters, pagination, and a rep preview without answers."""

import re

import pytest

from lms.question_bank.loader import load_banks
from lms.question_bank.sync import sync_banks


@pytest.fixture
def synced(app, db, quizzes_dir, sample_texts):
    sync_banks(load_banks(quizzes_dir), sample_texts)
    db.session.commit()


def _rep_part(html: str) -> str:
    match = re.search(r'<section class="card" id="rep-preview".*?</section>', html, re.S)
    assert match
    return match.group(0)


def test_reps_and_strangers_cannot_open_the_bank(client, auth, make_user, synced):
    assert client.get("/exams/bank/").status_code in (302, 401)
    auth.login(make_user(roles=("rep",)))
    assert client.get("/exams/bank/").status_code == 403
    assert client.get("/exams/bank/s-2.1-01").status_code == 403


def test_hr_lists_and_filters(client, auth, make_user, synced):
    auth.login(make_user(roles=("hr",)))
    page = client.get("/exams/bank/").get_data(as_text=True)
    assert "共 5 题" in page and "s-2.1-01" in page and "题库" in page
    page = client.get("/exams/bank/?type=numeric").get_data(as_text=True)
    assert "s-5.1-03" in page and "s-2.1-01" not in page
    page = client.get("/exams/bank/?clause=2.1&dimension=process&level=intermediate").get_data(as_text=True)
    assert "s-2.1-02" in page and "s-2.1-01" not in page
    assert "没有符合条件的题目" in client.get("/exams/bank/?stale=yes").get_data(as_text=True)


def test_stale_and_pagination(app, client, auth, make_user, db, quizzes_dir, sample_texts, synced):
    changed = dict(sample_texts, **{"2.1": sample_texts["2.1"] + "（修订）"})
    sync_banks(load_banks(quizzes_dir), changed)
    db.session.commit()
    auth.login(make_user(roles=("admin",)))
    page = client.get("/exams/bank/?stale=yes").get_data(as_text=True)
    assert "s-2.1-01" in page and "待复核" in page and "s-5.1-01" not in page
    app.config["QUESTIONS_PER_PAGE"] = 2
    page = client.get("/exams/bank/?page=2").get_data(as_text=True)
    assert "第 2 / 3 页" in page


def test_preview_shows_the_rep_view_without_answer_marks(client, auth, make_user, synced):
    auth.login(make_user(roles=("hr",)))
    html = client.get("/exams/bank/s-2.1-01").get_data(as_text=True)
    rep = _rep_part(html)
    assert "客户提出一般投诉" in rep and 'type="radio"' in rep and "≤2小时" in rep
    for leak in ("✔", "correct", "answer-right", "一般投诉 ≤2小时响应。", "一般≤2小时3个工作日销售经理", "100%"):
        assert leak not in rep
    review = html[html.index('id="review"') :]
    assert "✔ B. ≤2小时" in review and "一般≤2小时3个工作日销售经理" in review


@pytest.mark.parametrize(
    ("key", "marker", "secret"),
    [
        ("s-2.1-02", 'type="checkbox"', "24小时内解决"),
        ("s-5.1-01", "正确", "80 分及以上（含 80 分）都通过"),
        ("s-5.1-02", 'type="text"', "三个月"),
        ("s-5.1-03", "分</label>", "80"),
    ],
)
def test_every_type_previews_without_its_answer(client, auth, make_user, synced, key, marker, secret):
    auth.login(make_user(roles=("hr",)))
    rep = _rep_part(client.get(f"/exams/bank/{key}").get_data(as_text=True))
    assert marker in rep
    if key != "s-2.1-02":  # the options of a choice question are the question itself
        assert secret not in rep.replace("80 分", "")


def test_unknown_question_is_404(client, auth, make_user, synced):
    auth.login(make_user(roles=("hr",)))
    assert client.get("/exams/bank/nope").status_code == 404
