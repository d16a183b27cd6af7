"""Onboarding reminder e-mails: who gets which reminder today, and sending each once.

Meant for a daily cron (`lms onboarding remind`). A new hire hears 7 days
before the due date and on it; when they are overdue, their mentor and manager
hear once. A reminder is recorded only after it was sent, and the unique key
on (person, kind, recipient) means a second run never sends it again.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.models import OnboardingReminder, User
from lms.onboarding.program import OnboardingProgram
from lms.onboarding.service import OnboardingStatus, statuses_for

DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class Reminder:
    kind: str  # "due_soon" | "due_today" | "overdue"
    status: OnboardingStatus
    recipient: User

    @property
    def subject(self) -> str:
        name = self.status.person.name
        return {
            "due_soon": f"入职培训提醒：还有 {self.status.days_left} 天到期",
            "due_today": "入职培训提醒：今天到期",
            "overdue": f"入职培训逾期：{name}",
        }[self.kind]

    @property
    def body(self) -> str:
        status = self.status
        progress = f"进度 {status.done}/{status.total}（{status.percent}%），截止日期 {status.due_date}。"
        if self.kind == "overdue":
            person = status.person
            return (
                f"{self.recipient.name}，您好：\n\n"
                f"{person.name}（{person.employee_no}）的入职培训已逾期。{progress}\n请跟进。"
            )
        return f"{self.recipient.name}，您好：\n\n请在截止日期前完成入职基础培训（5.1(3)）。{progress}"


def due_reminders(
    program: OnboardingProgram, people: list[User], today: date, applies_from: date | None = None
) -> list[Reminder]:
    """Every reminder that is due today and has not been sent yet.

    Nobody outside the program (hired before `applies_from`, or exempted by HR) gets one.
    """
    already = {(row.user_id, row.kind, row.recipient_id) for row in db.session.scalars(select(OnboardingReminder))}
    reminders = []
    for status in statuses_for(people, program, today, applies_from):
        for reminder in _reminders_for(status):
            key = (status.person.id, reminder.kind, reminder.recipient.id)
            if key not in already:
                reminders.append(reminder)
    return reminders


def _reminders_for(status: OnboardingStatus) -> list[Reminder]:
    if status.complete or status.due_date is None or status.exemption is not None:
        return []
    if status.overdue:
        followers = [status.person.mentor, status.person.manager]
        return [Reminder("overdue", status, person) for person in followers if person is not None and person.active]
    if status.days_left == 0:
        return [Reminder("due_today", status, status.person)]
    if status.days_left <= DUE_SOON_DAYS:
        return [Reminder("due_soon", status, status.person)]
    return []


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    use_ssl: bool = False
    sender: str = "lms@localhost"
    timeout: float = 10.0


def send_reminders(reminders: list[Reminder], mail: MailSettings) -> list[Reminder]:
    """Send each reminder and record it; returns the ones sent.

    Each is recorded right after it is sent, in a savepoint, so a failure
    halfway leaves the earlier ones recorded (the caller commits) and the
    later ones to a later run.
    """
    sent = []
    smtp_class = smtplib.SMTP_SSL if mail.use_ssl else smtplib.SMTP
    with smtp_class(mail.server, mail.port, timeout=mail.timeout) as smtp:
        if mail.use_tls:
            smtp.starttls()
        if mail.username:
            smtp.login(mail.username, mail.password or "")
        for reminder in reminders:
            smtp.send_message(_message(reminder, mail.sender))
            try:
                with db.session.begin_nested():
                    db.session.add(
                        OnboardingReminder(
                            user_id=reminder.status.person.id, kind=reminder.kind, recipient_id=reminder.recipient.id
                        )
                    )
            except IntegrityError:
                continue  # another run recorded it first
            sent.append(reminder)
    return sent


def _message(reminder: Reminder, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = reminder.recipient.email
    message["Subject"] = reminder.subject
    message.set_content(reminder.body)
    return message
