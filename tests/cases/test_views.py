"""The case pages: write, review, find, rate, sessions; permissions, CSRF and XSS through the pages."""

import re

import pytest
from sqlalchemy import func, select

from lms.models.cases import CaseRating, CaseReview, CaseVersion, SharingSession
from tests.cases.conftest import load
from tests.cases.xss import PAYLOADS, page_problems

FORM = {
    "title": "大客户回款提速复盘",
    "outcome": "success",
    "segment": "high_potential",
    "dimensions": ["communication", "data"],
    "clauses": "5.4, 2.1",
    "tags": "回款, 大客户",
    "info": "**客户**在月底前确认了付款。",
    "analysis": "转折点是财务负责人参与了评审。",
    "discussion": "成功的原因是提前识别了决策影响者。",
    "methods": "- 提前约财务\n- 每周同步回款计划",
    "improvements": "",
}


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_mentor_writes_manager_publishes_rep_finds_and_rates(client, auth, people, app):
    auth.login(people["mentor"])
    response = client.post_form("/cases/new", {**FORM, "save": "保存草稿"})
    assert response.status_code == 302
    case_id = int(re.search(r"/cases/(\d+)$", response.headers["Location"]).group(1))
    response = client.post_form(f"/cases/{case_id}/submit", follow_redirects=True)
    assert "已提交审核" in _text(response)
    auth.logout()

    auth.login(people["manager"])
    assert FORM["title"] in _text(client.get("/cases/review"))
    response = client.post_form(f"/cases/{case_id}/approve", {"comment": "同意发布"}, follow_redirects=True)
    assert "已审核通过并发布" in _text(response)
    auth.logout()

    auth.login(people["rep1"])
    page = _text(client.get("/cases/?q=回款"))
    assert f'/cases/{case_id}"' in page and "<mark>回款</mark>" in page
    page = _text(client.get(f"/cases/{case_id}"))
    assert "<strong>客户</strong>" in page and 'id="submit-rating"' in page
    response = client.post_form(
        f"/cases/{case_id}/rating", {"quality": "5", "application": "4", "engagement": "4", "improvement": "3"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert load(case_id).status == "published"
        assert app.extensions["sqlalchemy"].session.scalar(select(func.count()).select_from(CaseRating)) == 1


def test_submitting_from_the_form_with_an_empty_part_changes_nothing(client, auth, people, app):
    auth.login(people["mentor"])
    response = client.post_form("/cases/new", {**FORM, "analysis": " ", "submit_review": "提交"})
    assert response.status_code == 200
    assert "提交前请填写“初步分析”" in _text(response)
    with app.app_context():
        assert app.extensions["sqlalchemy"].session.scalar(select(func.count()).select_from(CaseReview)) == 0


def test_over_long_text_is_refused_with_the_limit(client, auth, people):
    auth.login(people["mentor"])
    response = client.post_form("/cases/new", {**FORM, "title": "长" * 121, "info": "字" * 5001, "save": "1"})
    page = _text(response)
    assert "标题不能超过 120 个字符" in page and "“信息收集”不能超过 5000 个字符" in page


def test_reps_cannot_write_and_nobody_edits_another_mentors_case(client, auth, people, make_case, app):
    case_id = make_case("draft")
    auth.login(people["rep1"])
    assert client.get("/cases/new").status_code == 403
    assert client.get(f"/cases/{case_id}").status_code == 404  # a draft is not public
    auth.logout()
    auth.login(people["mentor2"])
    assert client.get(f"/cases/{case_id}/edit").status_code == 404
    response = client.post_form(f"/cases/{case_id}/edit", {**FORM, "title": "偷改", "save": "1"})
    assert response.status_code == 404
    assert client.post_form(f"/cases/{case_id}/submit").status_code == 404
    with app.app_context():
        assert load(case_id).latest.title == "某制造业客户回款延迟复盘" and load(case_id).status == "draft"


def test_publishing_needs_the_manager_role(client, auth, people, make_case, app):
    case_id = make_case("submitted")
    auth.login(people["mentor2"])
    assert client.post_form(f"/cases/{case_id}/approve").status_code == 403
    auth.logout()
    auth.login(people["rep1"])
    assert client.post_form(f"/cases/{case_id}/approve").status_code == 403
    with app.app_context():
        assert load(case_id).status == "submitted"


def test_send_back_without_a_comment_is_refused(client, auth, people, make_case, app):
    case_id = make_case("submitted")
    auth.login(people["manager"])
    page = _text(client.post_form(f"/cases/{case_id}/send-back", {"comment": ""}, follow_redirects=True))
    assert "退回时请填写修改意见" in page
    client.post_form(f"/cases/{case_id}/send-back", {"comment": "请补充数据"})
    with app.app_context():
        assert load(case_id).status == "draft"


def test_forms_and_json_need_a_csrf_token(client, auth, people, make_case, app):
    case_id = make_case()
    auth.login(people["rep1"])
    assert client.post(f"/cases/{case_id}/rating", data={"quality": "5"}).status_code == 400
    assert client.post(f"/cases/{case_id}/rating", json={"quality": 5}).status_code == 400
    with app.app_context():
        assert app.extensions["sqlalchemy"].session.scalar(select(func.count()).select_from(CaseRating)) == 0


def test_rating_by_json_and_its_errors(client, auth, people, make_case):
    case_id = make_case()
    auth.login(people["rep1"])
    headers = {"X-CSRFToken": client.csrf_token()}
    scores = {"quality": 5, "application": 4, "engagement": 3, "improvement": 2}
    response = client.post(f"/cases/{case_id}/rating", json=scores, headers=headers)
    assert response.status_code == 200 and response.json == {"count": 1, "averages": None, "overall": None}
    response = client.post(f"/cases/{case_id}/rating", json={**scores, "quality": 6}, headers=headers)
    assert response.status_code == 400 and response.json["field"] == "quality"
    auth.logout()
    auth.login(people["mentor"])
    response = client.post(f"/cases/{case_id}/rating", json=scores, headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == 400 and "自己" in response.json["error"]
    assert "不能评价自己撰写的案例" in _text(client.get(f"/cases/{case_id}"))


def test_preview_renders_with_the_sanitiser(client, auth, people):
    auth.login(people["mentor"])
    headers = {"X-CSRFToken": client.csrf_token()}
    response = client.post("/cases/preview", json={"text": "**好** <script>alert(1)</script>"}, headers=headers)
    assert response.json == {"html": "<p><strong>好</strong> </p>"}
    assert client.post("/cases/preview", json={"text": "x" * 5001}, headers=headers).status_code == 400


def test_preview_is_rate_limited_per_author(app, client, auth, people):
    from lms.cases.views import PREVIEW_LIMIT

    allowed = int(PREVIEW_LIMIT.split()[0])
    auth.login(people["mentor"])
    headers = {"X-CSRFToken": client.csrf_token()}
    for _ in range(allowed):
        assert client.post("/cases/preview", json={"text": "好"}, headers=headers).status_code == 200
    response = client.post("/cases/preview", json={"text": "好"}, headers=headers)
    assert response.status_code == 429 and response.json["message"] == "尝试次数过多，请稍后再试。"
    auth.logout()
    auth.login(people["mentor2"])  # another author still has their own allowance
    headers = {"X-CSRFToken": client.csrf_token()}
    assert client.post("/cases/preview", json={"text": "好"}, headers=headers).status_code == 200


def test_versions_and_diff_pages(client, auth, people, make_case, app):
    case_id = make_case()
    auth.login(people["mentor"])
    client.post_form(f"/cases/{case_id}/edit", {**FORM, "title": "修订 <b>标题</b>", "save": "1"})
    auth.logout()
    auth.login(people["rep1"])
    assert "第 2 版" not in _text(client.get(f"/cases/{case_id}/versions"))  # an unpublished revision
    assert client.get(f"/cases/{case_id}/versions/2").status_code == 404
    auth.logout()
    auth.login(people["mentor"])
    page = _text(client.get(f"/cases/{case_id}/versions/2"))
    assert '<span class="diff-insert">+ 修订 &lt;b&gt;标题&lt;/b&gt;</span>' in page
    assert '<span class="diff-delete">- 某制造业客户回款延迟复盘</span>' in page


def test_search_page_filters_and_errors(client, auth, people, make_case):
    make_case()
    auth.login(people["rep1"])
    page = _text(client.get("/cases/?q=款"))
    assert "至少需要 2 个汉字" in page
    assert "没有找到" in _text(client.get("/cases/?q=回款&outcome=success"))
    assert "<mark>回款</mark>延迟复盘" in _text(
        client.get("/cases/?q=回款&outcome=failure&dimension=process&clause=5.4")
    )
    assert "月份格式" in _text(client.get("/cases/?month=2025-3"))
    assert client.get("/cases/top").status_code == 200


def test_sharing_session_pages(client, auth, people, make_case, app):
    case_id = make_case()
    auth.login(people["rep1"])
    assert client.get("/cases/sessions/new").status_code == 403
    auth.logout()
    auth.login(people["manager"])
    assert f"#{case_id}" in _text(client.get("/cases/sessions/new"))
    response = client.post_form(
        "/cases/sessions/new",
        {
            "month": "2031-05",
            "title": "五月分享会",
            "extra_case_ids": f"#{case_id}",
            "expected_ids": [str(people["rep1"].id), str(people["rep2"].id)],
            "attended_ids": [str(people["rep1"].id), str(people["rep3"].id)],
        },
        follow_redirects=True,
    )
    page = _text(response)
    assert "66.7%（2 / 3 × 100%）" in page
    with app.app_context():
        session = app.extensions["sqlalchemy"].session.scalars(select(SharingSession)).one()
        assert [row.case_id for row in session.case_rows] == [case_id]
    assert "66.7%" in _text(client.get("/cases/sessions"))


@pytest.fixture
def hostile_case(make_case, app):
    """A published case whose every part is the whole payload list (and a revision, for the diff)."""
    payload = "\n\n".join(PAYLOADS)
    case_id = make_case(
        title="<script>alert(1)</script>回款",
        info=payload,
        analysis=payload,
        discussion=payload,
        methods=payload,
        improvements=payload,
        tags=["<b onclick=x>y", "<script>"],
    )
    return case_id


def test_xss_payloads_are_harmless_on_every_page(client, auth, people, hostile_case, app):
    auth.login(people["mentor"])
    client.post_form(f"/cases/{hostile_case}/edit", {**FORM, "info": "\n".join(PAYLOADS), "save": "1"})
    headers = {"X-CSRFToken": client.csrf_token()}
    preview = client.post("/cases/preview", json={"text": "\n\n".join(PAYLOADS)}, headers=headers).json["html"]
    pages = [
        f"/cases/{hostile_case}",
        f"/cases/{hostile_case}/versions",
        f"/cases/{hostile_case}/versions/1",
        f"/cases/{hostile_case}/versions/2",
        "/cases/?q=回款",
        "/cases/?q=script",
        "/cases/?q=alert",
        "/cases/mine",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert page_problems(_text(response)) == [], url
    assert page_problems(preview) == []
    with app.app_context():
        version = (
            app.extensions["sqlalchemy"].session.scalars(select(CaseVersion).where(CaseVersion.number == 1)).first()
        )
        assert "<script>" in version.title  # stored as typed, escaped on output


def test_a_session_naming_a_case_number_no_id_can_have_gets_a_message(client, auth, people, make_case):
    auth.login(people["manager"])
    response = client.post_form(
        "/cases/sessions/new",
        {
            "month": "2031-05",
            "title": "五月分享会",
            "extra_case_ids": "#99999999999999999999",
            "expected_ids": [str(people["rep1"].id)],
            "attended_ids": [],
        },
    )
    assert response.status_code == 200 and "只能选择已发布的案例：#99999999999999999999" in _text(response)
