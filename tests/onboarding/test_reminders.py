"""Reminder e-mails over a real local SMTP server, each sent once."""

from datetime import date, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

HIRED = date(2026, 10, 1)  # due 2026-11-01


def _subjects(inbox):
    return sorted(
        (envelope.rcpt_tos[0], str(make_header(decode_header(message_from_bytes(envelope.content)["Subject"]))))
        for envelope in inbox.messages
    )


def _people(make_user, make_lesson):
    make_lesson("1.1"), make_lesson("1.2")
    manager = make_user(roles=("manager",), email="boss@example.com")
    mentor = make_user(roles=("mentor",), email="mentor@example.com")
    hire = make_user(hire_date=HIRED, manager_id=manager.id, mentor_id=mentor.id, email="new@example.com")
    return hire


def test_seven_days_before_then_on_the_day_then_overdue(runner, make_user, make_lesson, program_dir, smtp_server):
    _people(make_user, make_lesson)
    assert "已发送 0 条" in runner.invoke(args=["onboarding", "remind", "--today", "2026-10-20"]).output
    assert "已发送 1 条" in runner.invoke(args=["onboarding", "remind", "--today", "2026-10-25"]).output
    assert "已发送 0 条" in runner.invoke(args=["onboarding", "remind", "--today", "2026-10-26"]).output
    assert "已发送 1 条" in runner.invoke(args=["onboarding", "remind", "--today", "2026-11-01"]).output
    assert "已发送 2 条" in runner.invoke(args=["onboarding", "remind", "--today", "2026-11-02"]).output
    assert "已发送 0 条" in runner.invoke(args=["onboarding", "remind", "--today", "2026-11-03"]).output
    assert _subjects(smtp_server) == [
        ("boss@example.com", "入职培训逾期：员工3"),
        ("mentor@example.com", "入职培训逾期：员工3"),
        ("new@example.com", "入职培训提醒：今天到期"),
        ("new@example.com", "入职培训提醒：还有 7 天到期"),
    ]


def test_completed_hires_get_no_reminder(client, auth, runner, make_user, make_lesson, program_dir, smtp_server):
    hire = _people(make_user, make_lesson)
    auth.login(hire)
    client.post_form("/course/1.1/complete")
    client.post_form("/course/1.2/complete")
    result = runner.invoke(args=["onboarding", "remind", "--today", str(HIRED + timedelta(days=40))])
    assert "已发送 0 条" in result.output and smtp_server.messages == []


def test_without_smtp_it_lists_who_would_be_reminded(runner, make_user, make_lesson, program_dir):
    _people(make_user, make_lesson)
    result = runner.invoke(args=["onboarding", "remind", "--today", "2026-11-05"])
    assert "未配置 SMTP" in result.output
    assert "overdue\tboss@example.com" in result.output and "overdue\tmentor@example.com" in result.output
