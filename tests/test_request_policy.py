"""The request policy (lms/request_policy.py): hostile input gets 404 or a Chinese 400, never a 500.

Each test sends what answered 500 (or was silently stored) before the policy.
"""

import json
import re

import pytest
from exams.exam_support import bank, exam_factory, frozen_now, paper_of  # noqa: F401 (fixtures)
from sqlalchemy import select

from lms.extensions import db as _db
from lms.models import User
from lms.request_policy import MAX_ID, json_problem, parse_id

HUGE = "9" * 20


def _message(response) -> str:
    if response.is_json:
        return response.get_json()["message"]
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        f"/cases/{HUGE}",
        f"/cases/{HUGE}/versions",
        f"/cases/sessions/{HUGE}",
        f"/people/{HUGE}",
        f"/people/{HUGE}/edit",
        f"/exams/attempts/{HUGE}",
        f"/cases/{MAX_ID + 1}",  # fits SQLite's integer, not PostgreSQL's: a 500 there
    ],
)
def test_ids_no_row_can_have_are_404(client, auth, make_user, url):
    auth.login(make_user(roles=("hr", "manager")))
    assert client.get(url).status_code == 404


def test_twenty_digit_id_in_a_form_post_is_404(client, auth, make_user):
    auth.login(make_user(roles=("manager",)))
    assert client.post_form(f"/cases/{HUGE}/approve", {"comment": ""}).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/people/",
        "/cases/mine",
        "/cases/review",
        "/cases/sessions",
        "/cases/top",
        "/cases/",
        "/exams/manage/appeals/",
        "/exams/bank/",
    ],
)
def test_page_numbers_beyond_any_list_are_404(client, auth, make_user, url):
    auth.login(make_user(roles=("hr", "manager", "mentor")))
    assert client.get(f"{url}?page={HUGE}").status_code == 404
    assert client.get(f"{url}?page=100001").status_code == 404
    assert client.get(f"{url}?page=2").status_code == 200


def test_ids_inside_a_body_are_bounded():
    assert parse_id("17") == 17 and parse_id(MAX_ID) == MAX_ID
    for bad in (HUGE, MAX_ID + 1, -1, "1.5", " 1", "١", True, None, "9" * 5000):
        with pytest.raises(ValueError):
            parse_id(bad)


def test_twenty_digit_autosave_key_is_a_clear_400(app, client, auth, make_user, exam_factory):  # noqa: F811
    exam, rep = exam_factory(), make_user()
    auth.login(rep)
    response = client.post_form(f"/exams/{exam.key}/start")
    attempt_id = int(re.search(r"/exams/attempts/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        slot = paper_of(attempt_id)[0]
    response = client.post(
        f"/exams/attempts/{attempt_id}/answers",
        json={"answers": {HUGE: "x", str(slot.id): ""}},
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code == 400 and "不属于本试卷" in response.get_json()["message"]


def _nested(depth: int) -> str:
    return '{"text": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_json_is_a_clear_400(client, auth, make_user, depth):
    auth.login(make_user(roles=("mentor",)))
    headers = {"X-CSRFToken": client.csrf_token()}
    response = client.post("/cases/preview", data=_nested(depth), content_type="application/json", headers=headers)
    assert response.status_code == 400 and "嵌套过深" in response.get_json()["message"]
    # within the limit the view still answers
    body = {"text": "**好**", "extra": json.loads("[" * 30 + "]" * 30)}
    response = client.post("/cases/preview", json=body, headers=headers)
    assert response.status_code == 200 and "<strong>好</strong>" in response.get_json()["html"]


def test_json_problem_walks_keys_values_and_depth():
    assert json_problem({"a": ["b", {"c": "d\te\nf"}]}) is None
    assert "控制字符" in json_problem({"a": ["b", {"c": "d\x00"}]})
    assert "控制字符" in json_problem({"a\x00": 1})
    assert "嵌套过深" in json_problem(json.loads("[" * 40 + "]" * 40))


def test_nul_in_a_json_string_is_a_clear_400(client, auth, make_user):
    auth.login(make_user(roles=("mentor",)))
    headers = {"X-CSRFToken": client.csrf_token()}
    response = client.post("/cases/preview", json={"text": "a\x00b"}, headers=headers)
    assert response.status_code == 400 and "控制字符" in response.get_json()["message"]
    # tab, CR and LF are text
    assert client.post("/cases/preview", json={"text": "一\t二\r\n三"}, headers=headers).status_code == 200


def test_nul_in_a_form_field_is_refused_and_nothing_stored(app, client, auth, make_user):
    auth.login(make_user(roles=("hr",)))
    person = {"employee_no": "N\x005201", "name": "新同事", "email": "n@example.com", "roles": ["rep"]}
    response = client.post_form("/people/new", person)
    assert response.status_code == 400 and "控制字符" in _message(response)
    with app.app_context():
        assert _db.session.scalars(select(User).where(User.email == "n@example.com")).first() is None


@pytest.mark.parametrize(
    "url", ["/cases/?q=%00", "/cases/?q=a%01b", "/people/?q=%00", "/cases/%00", "/cases/1%00", "/people/?%00=1"]
)
def test_control_characters_in_path_or_query_are_a_clear_400(client, auth, make_user, url):
    auth.login(make_user(roles=("hr", "mentor")))
    response = client.get(url)
    assert response.status_code == 400 and "控制字符" in _message(response)


def test_control_character_in_an_upload_file_name_is_400(client, auth, make_user):
    import io

    auth.login(make_user(roles=("hr",)))
    data = {"file": (io.BytesIO("工号,姓名,邮箱\n".encode()), "a\x00.csv"), "csrf_token": client.csrf_token()}
    response = client.post("/people/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "控制字符" in _message(response)
