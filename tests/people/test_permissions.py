"""Who may do what (issue 12, 3): admin roles, one's own roles, links for admins, on the audit trail."""

import pytest
from sqlalchemy import select

from lms.auth import service as auth_service
from lms.extensions import db as _db
from lms.models import AuditAction, AuditEntry, PasswordReset, User
from lms.people import service

FIELDS = {"name": "某人", "hire_date": "", "team": "", "manager_no": "", "mentor_no": ""}


def _edit(client, person, roles):
    data = {**FIELDS, "employee_no": person.employee_no, "name": person.name, "email": person.email, "roles": roles}
    return client.post_form(f"/people/{person.id}/edit", data)


def _roles_of(app, person_id):
    with app.app_context():
        return _db.session.get(User, person_id).roles


def _entries(app, action=None):
    with app.app_context():
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        entries = _db.session.scalars(stmt).all()
        for entry in entries:
            _db.session.expunge(entry)
        return entries


def test_hr_cannot_make_themselves_admin(app, client, auth, make_user):
    hr = make_user(roles=("hr",))
    auth.login(hr)
    body = _edit(client, hr, ["hr", "admin"]).get_data(as_text=True)
    assert "只有系统管理员可以授予或撤销管理员角色。" in body
    assert _roles_of(app, hr.id) == {"hr"} and _entries(app) == []


def test_hr_cannot_make_anyone_admin_nor_create_one(app, client, auth, make_user):
    hr, rep = make_user(roles=("hr",)), make_user()
    auth.login(hr)
    assert "只有系统管理员可以授予或撤销管理员角色。" in _edit(client, rep, ["rep", "admin"]).get_data(as_text=True)
    assert _roles_of(app, rep.id) == {"rep"}
    new = {**FIELDS, "employee_no": "N1", "email": "n1@example.com", "roles": ["admin"]}
    assert "只有系统管理员可以授予或撤销管理员角色。" in client.post_form("/people/new", new).get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalars(select(User).where(User.employee_no == "N1")).first() is None


def test_hr_cannot_remove_admin(app, client, auth, make_user):
    hr, admin = make_user(roles=("hr",)), make_user(roles=("admin",))
    auth.login(hr)
    assert "只有系统管理员可以授予或撤销管理员角色。" in _edit(client, admin, ["rep"]).get_data(as_text=True)
    assert _roles_of(app, admin.id) == {"admin"}


def test_hr_cannot_change_their_own_roles_at_all(app, client, auth, make_user):
    hr = make_user(roles=("hr",))
    auth.login(hr)
    assert "不能修改自己的角色" in _edit(client, hr, ["hr", "manager"]).get_data(as_text=True)
    assert _roles_of(app, hr.id) == {"hr"}
    # Saving one's own profile with the same roles is fine.
    assert _edit(client, hr, ["hr"]).status_code == 302


def test_hr_still_changes_other_roles_and_it_is_audited(app, client, auth, make_user):
    hr, rep = make_user(roles=("hr",)), make_user()
    auth.login(hr)
    response = _edit(client, rep, ["rep", "mentor"])
    assert response.status_code == 302 and _roles_of(app, rep.id) == {"rep", "mentor"}
    (entry,) = _entries(app)
    assert entry.action == AuditAction.ROLES_CHANGED and entry.actor_id == hr.id and entry.subject_id == rep.id
    assert entry.details["before"] == ["rep"] and entry.details["after"] == ["mentor", "rep"]
    assert entry.remote_addr == "127.0.0.1"


def test_admin_grants_and_removes_admin_on_the_record(app, client, auth, make_user):
    admin, hr = make_user(roles=("admin",)), make_user(roles=("hr",))
    auth.login(admin)
    assert _edit(client, hr, ["hr", "admin"]).status_code == 302
    assert _edit(client, hr, ["hr"]).status_code == 302
    assert _roles_of(app, hr.id) == {"hr"}
    changes = [(e.details["before"], e.details["after"]) for e in _entries(app, AuditAction.ROLES_CHANGED)]
    assert changes == [(["hr"], ["admin", "hr"]), (["admin", "hr"], ["hr"])]


def test_an_admin_cannot_remove_their_own_admin(app, client, auth, make_user):
    admin = make_user(roles=("admin", "hr"))
    auth.login(admin)
    assert "不能撤销自己的管理员角色" in _edit(client, admin, ["hr"]).get_data(as_text=True)
    assert _edit(client, admin, ["admin", "hr", "manager"]).status_code == 302


def test_hr_cannot_issue_a_link_for_an_admin(app, client, auth, make_user):
    hr, admin = make_user(roles=("hr",)), make_user(roles=("admin",))
    auth.login(hr)
    page = client.post_form(f"/people/{admin.id}/reset-link", follow_redirects=True).get_data(as_text=True)
    assert "只有系统管理员可以为管理员生成密码设置链接。" in page
    with app.app_context():
        assert _db.session.scalars(select(PasswordReset)).all() == []
    assert _entries(app) == []


def test_a_password_link_is_audited_without_its_token(app, client, auth, make_user):
    admin, other_admin = make_user(roles=("admin",)), make_user(roles=("admin",))
    auth.login(admin)
    page = client.post_form(f"/people/{other_admin.id}/reset-link").get_data(as_text=True)
    token = page.split("/reset/")[1].split('"')[0].split("<")[0]
    (entry,) = _entries(app)
    assert entry.action == AuditAction.PASSWORD_LINK_ISSUED and entry.subject_id == other_admin.id
    assert entry.actor_id == admin.id and token not in str(entry.details)


def test_deactivation_and_reactivation_are_audited(app, client, auth, make_user):
    hr, rep = make_user(roles=("hr",)), make_user()
    auth.login(hr)
    client.post_form(f"/people/{rep.id}/active/0")
    client.post_form(f"/people/{rep.id}/active/1")
    actions = [entry.action for entry in _entries(app)]
    assert actions == [AuditAction.PERSON_DEACTIVATED, AuditAction.PERSON_REACTIVATED]


def test_hr_cannot_deactivate_an_admin(app, client, auth, make_user):
    hr, admin = make_user(roles=("hr",)), make_user(roles=("admin",))
    auth.login(hr)
    page = client.post_form(f"/people/{admin.id}/active/0", follow_redirects=True).get_data(as_text=True)
    assert "只有系统管理员可以停用或启用管理员账号。" in page
    with app.app_context():
        assert _db.session.get(User, admin.id).active


def test_services_apply_the_rules_without_a_request(db, make_user):
    made = [make_user(roles=roles) for roles in (("hr",), ("rep",), ("admin",))]
    hr, rep, admin = (db.session.get(User, person.id) for person in made)
    data = service.PersonData(employee_no=rep.employee_no, name=rep.name, email=rep.email, roles={"admin"})
    with pytest.raises(service.PersonError, match="只有系统管理员"):
        service.save_person(data, rep, actor=hr)
    with pytest.raises(auth_service.AuthError, match="只有系统管理员"):
        auth_service.issue_password_reset(admin, hr)
    # A command on the server (actor None) may: it is recorded as such.
    service.save_person(data, rep)
    db.session.flush()
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.actor_id is None and entry.remote_addr is None and entry.details["after"] == ["admin"]


def test_cli_reset_link_is_audited_as_a_command(app, runner, make_user):
    rep = make_user()
    result = runner.invoke(args=["users", "reset-link", rep.employee_no])
    assert result.exit_code == 0 and "/reset/" in result.output
    (entry,) = _entries(app)
    assert entry.action == AuditAction.PASSWORD_LINK_ISSUED and entry.actor_id is None


def test_hr_is_not_offered_actions_on_an_admin(client, auth, make_user):
    hr, admin, rep = make_user(roles=("hr",)), make_user(roles=("admin",)), make_user()
    auth.login(hr)
    on_admin = client.get(f"/people/{admin.id}").get_data(as_text=True)
    assert "生成密码设置链接" not in on_admin and "停用</button>" not in on_admin
    on_rep = client.get(f"/people/{rep.id}").get_data(as_text=True)
    assert "生成密码设置链接" in on_rep and "停用</button>" in on_rep
    assert "只有系统管理员可以授予或撤销管理员角色" in client.get(f"/people/{rep.id}/edit").get_data(as_text=True)
