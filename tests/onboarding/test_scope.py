"""Who the new-hire program applies to (ONBOARDING_APPLIES_FROM, HR's exemption), and its days on the local clock."""

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from lms import clock, create_app
from lms.models import User

# 19:30 UTC on 12-01 is 03:30 on 12-02 in Beijing: the day people see.
EVENING_UTC = datetime(2026, 12, 1, 19, 30)


@pytest.fixture
def evening(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: EVENING_UTC)
    return clock.today()


def _exempt(app, person, reason="外部调入，已有同等培训"):
    with app.app_context():
        from lms.extensions import db

        row = db.session.get(User, person.id)
        row.onboarding_exempt, row.onboarding_exempt_reason = True, reason
        db.session.commit()


def test_staff_hired_before_the_program_are_not_late_anywhere(
    app, client, auth, runner, make_user, make_lesson, program_dir
):
    make_lesson("1.1"), make_lesson("1.2")
    hr = make_user(roles=("hr",))
    veteran = make_user(name="老员工", hire_date=date(2024, 9, 15), email="old@example.com", mentor_id=hr.id)
    late = make_user(name="新人迟到", hire_date=date(2026, 10, 1), email="late@example.com", mentor_id=hr.id)
    auth.login(hr)
    body = client.get("/onboarding/team?scope=all").get_data(as_text=True)
    assert "逾期 1 人" in body and "天</td>" in body
    row = body[body.index(veteran.name) :].split("</tr>")[0]
    assert "逾期" not in row and "不适用" in row and "入职早于培训计划（2026-01-01 起入职者适用）" in row
    csv_rows = client.get("/onboarding/team.csv?scope=all").get_data(as_text=True).splitlines()
    veteran_row = next(line for line in csv_rows if veteran.name in line)
    assert "已逾期" not in veteran_row and "入职早于培训计划" in veteran_row
    assert any(late.name in line and line.endswith("已逾期") for line in csv_rows)
    output = runner.invoke(args=["onboarding", "remind", "--today", "2026-12-01"]).output
    assert "late@example.com" not in output  # the overdue reminder goes to the followers
    assert "old@example.com" not in output and "老员工" not in output and "新人迟到" in output
    auth.login(veteran)
    assert 'id="panel-onboarding"' not in client.get("/dashboard/rep").get_data(as_text=True)


def test_the_start_date_is_configuration(app, client, auth, make_user, make_lesson, program_dir):
    make_lesson("1.1")
    app.config["ONBOARDING_APPLIES_FROM"] = ""  # applies to every hire date, as before
    hr = make_user(roles=("hr",))
    make_user(name="老员工", hire_date=date(2024, 9, 15), mentor_id=hr.id)
    auth.login(hr)
    assert "逾期 1 人" in client.get("/onboarding/team?scope=all").get_data(as_text=True)


def test_a_bad_start_date_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("LMS_ONBOARDING_APPLIES_FROM", "2026-02-30")
    with pytest.raises(ValueError, match="ONBOARDING_APPLIES_FROM='2026-02-30' 不是日期"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})


def test_an_exempted_new_hire_is_not_late_nor_reminded(app, client, auth, runner, make_user, make_lesson, program_dir):
    make_lesson("1.1"), make_lesson("1.2")
    manager = make_user(roles=("manager",), email="boss@example.com")
    hire = make_user(name="调入者", hire_date=date(2026, 10, 1), manager_id=manager.id)
    _exempt(app, hire)
    auth.login(manager)
    body = client.get("/onboarding/team?scope=all").get_data(as_text=True)
    assert "逾期 0 人" in body and "已豁免" in body and "人事豁免：外部调入，已有同等培训" in body
    assert "已逾期" not in client.get("/onboarding/team.csv?scope=all").get_data(as_text=True)
    assert "以下 0 条提醒" in runner.invoke(args=["onboarding", "remind", "--today", "2026-12-01"]).output
    auth.login(hire)
    assert 'id="panel-onboarding"' not in client.get("/dashboard/rep").get_data(as_text=True)


def test_hr_sets_the_exemption_with_a_reason(app, client, auth, make_user):
    auth.login(make_user(roles=("hr",)))
    person = make_user(employee_no="R200", name="调入者", email="moved@example.com", hire_date=date(2026, 11, 20))
    form = {
        "employee_no": "R200",
        "name": "调入者",
        "email": "moved@example.com",
        "hire_date": "2026-11-20",
        "roles": ["rep"],
        "onboarding_exempt": "y",
        "onboarding_exempt_reason": "",
    }
    body = client.post_form(f"/people/{person.id}/edit", form).get_data(as_text=True)
    assert "免于入职培训时请填写原因。" in body
    assert (
        client.post_form(
            f"/people/{person.id}/edit", {**form, "onboarding_exempt_reason": "集团内调动，已完成培训"}
        ).status_code
        == 302
    )
    assert "免修：集团内调动，已完成培训" in client.get(f"/people/{person.id}").get_data(as_text=True)
    page = client.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert re.search(r'<input (?=[^>]*\bchecked\b)(?=[^>]*name="onboarding_exempt")[^>]*>', page)
    del form["onboarding_exempt"]
    assert client.post_form(f"/people/{person.id}/edit", form).status_code == 302
    with app.app_context():
        from lms.extensions import db

        row = db.session.scalars(select(User).where(User.employee_no == "R200")).one()
        assert (row.onboarding_exempt, row.onboarding_exempt_reason) == (False, None)


def test_days_left_count_from_the_local_day_at_1930_utc(client, auth, make_user, make_lesson, program_dir, evening):
    assert evening == date(2026, 12, 2)
    make_lesson("1.1"), make_lesson("1.2")
    hire = make_user(hire_date=date(2026, 11, 2))  # due 2026-12-02: today, in Beijing
    auth.login(hire)
    body = client.get("/dashboard/rep").get_data(as_text=True)
    assert "截止日期：<strong>2026-12-02</strong>" in body
    assert '剩余 <span class="days-left">0</span> 天' in body


def test_the_team_page_counts_late_from_the_local_day(client, auth, make_user, make_lesson, program_dir, evening):
    make_lesson("1.1")
    manager = make_user(roles=("manager",))
    make_user(name="昨天到期", manager_id=manager.id, hire_date=date(2026, 11, 1))  # due 12-01, late in Beijing
    auth.login(manager)
    body = client.get("/onboarding/team").get_data(as_text=True)
    assert "逾期 1 人" in body and "逾期 1 天" in body


def test_the_reminder_run_uses_the_local_day(runner, make_user, make_lesson, program_dir, evening):
    make_lesson("1.1")
    make_user(hire_date=date(2026, 11, 2), email="due@example.com")
    output = runner.invoke(args=["onboarding", "remind"]).output
    assert "due_today\tdue@example.com\t入职培训提醒：今天到期" in output
