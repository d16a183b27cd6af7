"""Sign-in, sign-out, sessions and throttling."""

import pytest

from tests.conftest import TEST_PASSWORD

GENERIC_FAILURE = "工号/邮箱或密码不正确。"


def test_login_page_has_labelled_fields(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<label for="login">工号或邮箱</label>' in body
    assert '<label for="password">密码</label>' in body


@pytest.mark.parametrize("login", ["E0001", "e0001", "e1@example.com", "E1@EXAMPLE.com"])
def test_sign_in_by_employee_number_or_email(client, auth, make_user, login):
    make_user()
    response = auth.login(login)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/"


def test_unknown_user_and_wrong_password_get_the_same_answer(client, auth, make_user):
    make_user()
    wrong_password = auth.login("E0001", "not-the-password")
    unknown_user = auth.login("nobody", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert GENERIC_FAILURE in wrong_password.get_data(as_text=True)
    assert GENERIC_FAILURE in unknown_user.get_data(as_text=True)


def test_deactivated_person_cannot_sign_in(auth, make_user):
    make_user(active=False)
    assert GENERIC_FAILURE in auth.login("E0001").get_data(as_text=True)


def test_empty_form_shows_field_errors(client):
    response = client.post_form("/login", {"login": "", "password": ""})
    body = response.get_data(as_text=True)
    assert "请输入工号或邮箱。" in body and "请输入密码。" in body


def test_pages_require_sign_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_next_parameter_never_leaves_the_site(client, make_user):
    make_user()
    token = client.csrf_token()
    response = client.post(
        "/login?next=//evil.example.com/x", data={"login": "E0001", "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/dashboard/"


def test_a_new_session_at_sign_in(client, auth, make_user):
    make_user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login("E0001")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_session_cookie_flags(client, auth, make_user):
    make_user()
    set_cookie = auth.login("E0001").headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie


def test_sign_out_kills_a_copied_cookie(app, client, auth, make_user):
    make_user()
    auth.login("E0001")
    stolen = client.get_cookie("session", domain="lms.test").value
    assert auth.logout().status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen, domain="lms.test")
    response = replay.get("/dashboard/rep")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_out_requires_post_with_csrf(client, auth, make_user):
    make_user()
    auth.login("E0001")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400


def test_failures_are_throttled_per_account(app, client, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    make_user()
    for _ in range(3):
        assert client.post_form("/login", {"login": "E0001", "password": "wrong"}).status_code == 200
    response = client.post_form("/login", {"login": "E0001", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "尝试过于频繁" in response.get_data(as_text=True)
    # Another account from the same address is not locked by this one's failures.
    make_user()
    assert client.post_form("/login", {"login": "E0002", "password": TEST_PASSWORD}).status_code == 302


def test_failures_are_throttled_per_address(app, client, make_user):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    for number in range(4):
        client.post_form("/login", {"login": f"someone{number}", "password": "wrong"})
    assert client.post_form("/login", {"login": "someone-else", "password": "x"}).status_code == 429


def test_successful_sign_ins_are_not_counted(app, client, auth, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    make_user()
    for _ in range(4):
        assert auth.login("E0001").status_code == 302
        auth.logout()


def test_employee_number_and_email_share_one_failure_budget(app, client, make_user):
    # Keyed by the text typed, each name had its own 3 and an attacker got 6 guesses.
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    make_user()
    for login in ("E0001", "e1@example.com", "e0001"):
        assert client.post_form("/login", {"login": login, "password": "wrong"}).status_code == 200
    for login in ("E1@EXAMPLE.COM", "E0001"):
        response = client.post_form("/login", {"login": login, "password": TEST_PASSWORD})
        assert response.status_code == 429, login
    # A name that resolves to nobody still has a budget of its own, by its text.
    for _ in range(3):
        client.post_form("/login", {"login": "Nobody", "password": "wrong"})
    assert client.post_form("/login", {"login": "nobody", "password": "wrong"}).status_code == 429
    assert client.post_form("/login", {"login": "somebody", "password": "wrong"}).status_code == 200
