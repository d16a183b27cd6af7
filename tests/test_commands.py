"""`lms setup`, `lms users create-admin`, `lms dev seed`, and the menu each role sees."""

import re

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import User


def test_create_admin(runner, app):
    result = runner.invoke(args=["users", "create-admin", "--password", "Admin-pass-1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.employee_no == "admin")).one()
        assert admin.roles == {"admin", "hr"}
    again = runner.invoke(args=["users", "create-admin", "--password", "Admin-pass-1"])
    assert again.exit_code == 1 and "已被" in again.output


def test_seed_is_deterministic_and_idempotent(runner, app):
    assert runner.invoke(args=["dev", "seed", "--reps", "25", "--team-size", "10"]).exit_code == 0
    with app.app_context():
        first = [(u.employee_no, u.hire_date, u.manager_id) for u in db.session.scalars(select(User).order_by(User.id))]
    result = runner.invoke(args=["dev", "seed", "--reps", "25", "--team-size", "10"])
    assert "新建 0 人" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 25 + 3 * 2
        again = [(u.employee_no, u.hire_date, u.manager_id) for u in db.session.scalars(select(User).order_by(User.id))]
    assert first == again


def test_dashboards_by_role(client, auth, make_user):
    person = make_user(roles=("rep", "mentor"))
    auth.login(person)
    assert client.get("/dashboard/").headers["Location"] == "/dashboard/mentor"
    assert client.get("/dashboard/rep").status_code == 200
    assert client.get("/dashboard/hr").status_code == 404
    nav = client.get("/dashboard/rep").get_data(as_text=True)
    assert "人员管理" not in nav


def test_hr_navigation(client, auth, make_user):
    auth.login(make_user(roles=("hr",)))
    assert "人员管理" in client.get("/dashboard/hr").get_data(as_text=True)


def test_the_menu_marks_the_page_being_viewed(client, auth, make_user):
    # The menu is built once per roles and page: each page must still mark its own entry.
    auth.login(make_user(roles=("hr",)))
    for path, label in (("/course/", "课程"), ("/exams/", "考试"), ("/course/", "课程"), ("/people/", "人员管理")):
        page = client.get(path).get_data(as_text=True)
        assert re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', page) == [label], path


def test_setup_loads_everything_and_is_safe_to_rerun(tmp_path):
    from lms import create_app
    from lms.models import Lesson, Question

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/setup.sqlite3",
            "SECRET_KEY": "test-secret",
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            # Not the checkout's instance folder: a test leaves nothing behind in the repository.
            "CREDENTIAL_KEY_FILE": str(tmp_path / "credential-signing-key.pem"),
        }
    )
    first = app.test_cli_runner().invoke(args=["setup", "--demo"])
    assert first.exit_code == 0, first.output
    assert "课程已同步：新增 35" in first.output and "管理员账号：admin  密码：" in first.output
    assert "demo-new（王新人，rep）" in first.output
    key = (tmp_path / "credential-signing-key.pem").read_bytes()
    second = app.test_cli_runner().invoke(args=["setup"])
    assert second.exit_code == 0, second.output
    assert (tmp_path / "credential-signing-key.pem").read_bytes() == key  # created once, never replaced
    assert "未变 35" in second.output and "管理员已存在" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Lesson.id))) == 35
        assert db.session.scalar(select(func.count(Question.id))) >= 150
        db.engine.dispose()
