"""HR's people pages, profiles and who may see them."""

import io

from sqlalchemy import select

from lms.models import User

PERSON = {
    "employee_no": "R100",
    "name": "新同事",
    "email": "New@Example.com",
    "hire_date": "2026-11-01",
    "team": "华南组",
    "manager_no": "",
    "mentor_no": "",
    "roles": ["rep"],
}


def test_hr_creates_a_person(client, auth, make_user, app):
    auth.login(make_user(roles=("hr",)))
    response = client.post_form("/people/new", PERSON)
    assert response.status_code == 302
    with app.app_context():
        from lms.extensions import db

        person = db.session.scalars(select(User).where(User.employee_no == "R100")).one()
        assert person.email == "new@example.com" and person.roles == {"rep"}


def test_empty_and_over_long_fields_get_field_errors(client, auth, make_user):
    auth.login(make_user(roles=("hr",)))
    body = client.post_form("/people/new", {"roles": []}).get_data(as_text=True)
    for message in ("请填写工号。", "请填写姓名。", "请填写邮箱。", "至少选择一个角色。"):
        assert message in body
    body = client.post_form("/people/new", {**PERSON, "name": "长" * 65}).get_data(as_text=True)
    assert "姓名不能超过 64 个字符。" in body


def test_duplicate_email_is_a_field_error(client, auth, make_user):
    auth.login(make_user(roles=("hr",), email="hr@example.com"))
    body = client.post_form("/people/new", {**PERSON, "email": "HR@example.com"}).get_data(as_text=True)
    assert "邮箱 hr@example.com 已被" in body


def test_unknown_manager_is_a_field_error(client, auth, make_user):
    auth.login(make_user(roles=("hr",)))
    body = client.post_form("/people/new", {**PERSON, "manager_no": "NOPE"}).get_data(as_text=True)
    assert "经理工号 NOPE 不存在。" in body


def test_hr_edits_and_deactivates(client, auth, make_user, app):
    hr, rep = make_user(roles=("hr",)), make_user()
    auth.login(hr)
    edited = {**PERSON, "employee_no": rep.employee_no, "email": rep.email, "name": "改名了"}
    assert client.post_form(f"/people/{rep.id}/edit", edited).status_code == 302
    assert client.post_form(f"/people/{rep.id}/active/0").status_code == 302
    with app.app_context():
        from lms.extensions import db

        person = db.session.get(User, rep.id)
        assert person.name == "改名了" and not person.active


def test_nobody_deactivates_themselves(client, auth, make_user):
    hr = make_user(roles=("hr",))
    auth.login(hr)
    page = client.post_form(f"/people/{hr.id}/active/0", follow_redirects=True).get_data(as_text=True)
    assert "不能停用自己的账号。" in page


def test_list_is_paginated_and_filterable(app, client, auth, make_user):
    app.config["PEOPLE_PER_PAGE"] = 2
    auth.login(make_user(roles=("hr",), name="人事"))
    for _ in range(3):
        make_user(team="华北组")
    body = client.get("/people/?team=华北组").get_data(as_text=True)
    assert "第 1 / 2 页，共 3 条" in body
    assert "员工4" in client.get("/people/?q=员工4").get_data(as_text=True)


def test_rep_is_refused_hr_pages(client, auth, make_user):
    auth.login(make_user())
    for url in ("/people/", "/people/new", "/people/import", "/people/export.csv"):
        response = client.get(url)
        assert response.status_code == 403
        assert "没有权限" in response.get_data(as_text=True)


def test_rep_changing_an_id_gets_404(client, auth, make_user):
    rep, colleague = make_user(), make_user()
    auth.login(rep)
    assert client.get(f"/people/{rep.id}").status_code == 200
    assert client.get(f"/people/{colleague.id}").status_code == 404
    assert client.get("/people/99999").status_code == 404


def test_manager_and_mentor_see_their_people(client, auth, make_user):
    manager, mentor = make_user(roles=("manager",)), make_user(roles=("mentor",))
    mentee = make_user(manager_id=manager.id, mentor_id=mentor.id)
    auth.login(manager)
    assert client.get(f"/people/{mentee.id}").status_code == 200
    assert mentee.name in client.get("/dashboard/manager").get_data(as_text=True)
    auth.logout()
    auth.login(mentor)
    assert client.get(f"/people/{mentee.id}").status_code == 200
    assert client.get(f"/people/{manager.id}").status_code == 404


def test_upload_preview_then_confirm(client, auth, make_user, app):
    auth.login(make_user(roles=("hr",)))
    csv_bytes = "工号,姓名,邮箱\nR1,甲,a@example.com\nR2,乙,b@example.com\n".encode("gbk")
    preview = client.post(
        "/people/import",
        data={"file": (io.BytesIO(csv_bytes), "people.csv"), "csrf_token": client.csrf_token()},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "预览：新增 2 人，更新 0 人，未变 0 人" in preview
    payload = preview.split('name="payload" type="hidden" value="')[1].split('"')[0]
    response = client.post_form("/people/import/confirm", {"payload": payload}, follow_redirects=True)
    assert "导入完成：新增 2 人" in response.get_data(as_text=True)


def test_upload_with_a_bad_row_writes_nothing(client, auth, make_user, app):
    auth.login(make_user(roles=("hr",)))
    csv_bytes = "工号,姓名,邮箱\nR1,甲,a@example.com\nR2,乙,oops\n".encode()
    body = client.post(
        "/people/import",
        data={"file": (io.BytesIO(csv_bytes), "people.csv"), "csrf_token": client.csrf_token()},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "第 3 行：邮箱「oops」格式无效" in body and "确认导入" not in body
    with app.app_context():
        from lms.extensions import db

        assert db.session.scalars(select(User).where(User.employee_no == "R1")).first() is None


def test_upload_requires_a_csv(client, auth, make_user):
    auth.login(make_user(roles=("hr",)))
    body = client.post_form("/people/import", {}).get_data(as_text=True)
    assert "请选择要导入的 CSV 文件。" in body


def test_export_round_trips_through_import(client, auth, make_user):
    auth.login(make_user(roles=("hr",), name="人事"))
    response = client.get("/people/export.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff工号,姓名,邮箱")
    assert "E0001,人事,e1@example.com" in text
