"""Due dates, the new hire's dashboard, the team page, CSV, and the program file."""

from datetime import date, timedelta

import pytest

from lms import clock
from lms.onboarding.program import ProgramError, check_program, load_program
from lms.onboarding.service import add_months


@pytest.mark.parametrize(
    "hired, due",
    [
        (date(2026, 1, 15), date(2026, 2, 15)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 12, 10), date(2027, 1, 10)),
    ],
)
def test_due_date_is_one_calendar_month_after_hire(hired, due):
    assert add_months(hired, 1) == due


def test_new_hire_dashboard_shows_progress_days_left_and_next(client, auth, make_user, make_lesson, program_dir):
    make_lesson("1.1", title="总则"), make_lesson("1.2", title="适用范围"), make_lesson("2.1")
    hire = make_user(hire_date=clock.today() - timedelta(days=10))
    auth.login(hire)
    body = client.get("/dashboard/rep").get_data(as_text=True)
    assert "已完成 0 / 2 节（0%）" in body
    assert f"截止日期：<strong>{add_months(hire.hire_date, 1)}</strong>" in body
    assert "下一步：总则" in body
    client.post_form("/course/1.1/complete")
    body = client.get("/dashboard/rep").get_data(as_text=True)
    assert "已完成 1 / 2 节（50%）" in body and "下一步：适用范围" in body


def test_team_page_puts_overdue_first(client, auth, make_user, make_lesson, program_dir):
    make_lesson("1.1"), make_lesson("1.2")
    manager = make_user(roles=("manager",))
    on_time = make_user(name="准时", manager_id=manager.id, hire_date=clock.today() - timedelta(days=3))
    late = make_user(name="迟到", manager_id=manager.id, hire_date=clock.today() - timedelta(days=45))
    make_user(name="别组", hire_date=clock.today() - timedelta(days=45))
    auth.login(manager)
    body = client.get("/onboarding/team").get_data(as_text=True)
    assert body.index(late.name) < body.index(on_time.name)
    assert "逾期 1 人" in body and "别组" not in body
    csv_text = client.get("/onboarding/team.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeff工号,姓名")
    assert csv_text.splitlines()[1].endswith("已逾期")


def test_reps_cannot_open_the_team_page(client, auth, make_user, program_dir):
    auth.login(make_user())
    assert client.get("/onboarding/team").status_code == 403


def test_program_file_errors_name_file_and_line(tmp_path):
    path = tmp_path / "onboarding.yaml"
    path.write_text('title: 入职\ndue_months: 1\nlessons:\n  - "1.1"\n  - "9.9"\n', encoding="utf-8")
    program = load_program(path)
    assert check_program(program, {"1.1"}) == [f"{path}:5: 入职培训引用的课时 9.9 不存在"]
    path.write_text("title: 入职\ndue_months: soon\nlessons: []\n", encoding="utf-8")
    with pytest.raises(ProgramError, match=r"onboarding.yaml:2: due_months 应为正整数"):
        load_program(path)


def test_clause_ids_stay_strings(tmp_path):
    path = tmp_path / "onboarding.yaml"
    path.write_text("title: 入职\ndue_months: 1\nlessons:\n  - 1.10\n", encoding="utf-8")
    assert load_program(path).clause_ids == ("1.10",)
