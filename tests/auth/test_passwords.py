"""Changing one's password and administrator-issued reset links."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth import service
from lms.models import PasswordReset, User, utcnow
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "Brand-new-pass-9"


def test_stored_hash_is_scrypt(db, make_user):
    user = make_user()
    assert db.session.get(User, user.id).password_hash.startswith("scrypt:")


def test_change_password(client, auth, make_user):
    make_user()
    auth.login("E0001")
    response = client.post_form(
        "/account/password",
        {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    auth.logout()
    assert auth.login("E0001", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "current, new, confirm, message",
    [
        ("wrong", NEW_PASSWORD, NEW_PASSWORD, "当前密码不正确。"),
        (TEST_PASSWORD, "short1", "short1", "密码至少需要 8 个字符。"),
        (TEST_PASSWORD, "onlyletters", "onlyletters", "密码需同时包含字母和数字（或符号）。"),
        (TEST_PASSWORD, NEW_PASSWORD, "different-1", "两次输入的密码不一致。"),
    ],
)
def test_change_password_errors(client, auth, make_user, current, new, confirm, message):
    make_user()
    auth.login("E0001")
    response = client.post_form(
        "/account/password", {"current_password": current, "new_password": new, "confirm": confirm}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def _issue_link(client, auth, make_user):
    admin = make_user(roles=("admin",))
    target = make_user(password=None)
    auth.login(admin)
    page = client.post_form(f"/people/{target.id}/reset-link").get_data(as_text=True)
    token = page.split("/reset/")[1].split('"')[0]
    auth.logout()
    return target, token


def test_reset_link_is_single_use(client, auth, make_user):
    target, token = _issue_link(client, auth, make_user)
    form = {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post_form(f"/reset/{token}", form).status_code == 302
    assert auth.login(target.employee_no, NEW_PASSWORD).status_code == 302
    auth.logout()
    assert client.get(f"/reset/{token}").status_code == 404


def test_reset_link_expires(app, client, auth, make_user):
    _, token = _issue_link(client, auth, make_user)
    with app.app_context():
        from lms.extensions import db

        reset = db.session.scalars(select(PasswordReset)).one()
        reset.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = client.get(f"/reset/{token}")
    assert response.status_code == 404
    assert "链接无效" in response.get_data(as_text=True)


def test_new_link_voids_the_previous_one(db, make_user):
    admin, target = make_user(roles=("admin",)), make_user()
    admin, target = db.session.merge(admin), db.session.merge(target)
    first = service.issue_password_reset(target, admin)
    service.issue_password_reset(target, admin)
    db.session.commit()
    assert service.find_valid_reset(first) is None


def test_reset_ends_existing_sessions(app, client, auth, make_user):
    target, token = _issue_link(client, auth, make_user)
    other = app.test_client()
    from tests.conftest import AuthActions

    assert AuthActions(other).login(target.employee_no, TEST_PASSWORD).status_code == 200  # had no password
    with app.app_context():
        from lms.extensions import db

        user = db.session.get(User, target.id)
        user.password_hash = service.hash_password(TEST_PASSWORD)
        db.session.commit()
    assert AuthActions(other).login(target.employee_no, TEST_PASSWORD).status_code == 302
    client.post_form(f"/reset/{token}", {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other.get("/dashboard/rep").status_code == 302  # signed out by the reset


def test_only_hr_and_admin_issue_links(client, auth, make_user):
    rep, colleague = make_user(), make_user()
    auth.login(rep)
    assert client.post_form(f"/people/{colleague.id}/reset-link").status_code == 403


def test_generated_passwords_always_pass_the_rules(app):
    with app.app_context():
        for _ in range(500):
            service.check_new_password(service.generate_password())
