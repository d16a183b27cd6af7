"""`lms onboarding remind`: the daily reminder run."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms import clock
from lms.extensions import db
from lms.models import User
from lms.onboarding import reminders
from lms.onboarding.program import ProgramError, program_in
from lms.onboarding.service import OnboardingScopeError, parse_applies_from

onboarding_cli = AppGroup("onboarding", help="入职培训：提醒")


def mail_settings():
    """SMTP settings from LMS_MAIL_*; None when no server is configured."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return None
    return reminders.MailSettings(
        server=config["MAIL_SERVER"],
        port=int(config["MAIL_PORT"]),
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        use_tls=bool(config["MAIL_USE_TLS"]),
        use_ssl=bool(config["MAIL_USE_SSL"]),
        sender=config["MAIL_SENDER"],
    )


@onboarding_cli.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="按指定日期计算（测试用）")
def remind_command(today):
    """Send today's onboarding reminders once each; without SMTP, list who would get one.

    Today is the local day in LMS_TIMEZONE (a cron at 00:30 Beijing time runs on
    the Beijing day, though the server's UTC day is the one before).
    """
    today = today.date() if today else clock.today()
    try:
        program = program_in(current_app.config["CONTENT_DIR"])
        applies_from = parse_applies_from(current_app.config.get("ONBOARDING_APPLIES_FROM"))
    except (ProgramError, OnboardingScopeError) as error:
        raise click.ClickException(str(error)) from error
    people = list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.hire_date.is_not(None), User.role_rows.any(role="rep"))
            .options(joinedload(User.mentor), joinedload(User.manager))
        )
    )
    due = reminders.due_reminders(program, people, today, applies_from)
    mail = mail_settings()
    if mail is None:
        click.echo(f"未配置 SMTP（LMS_MAIL_SERVER），以下 {len(due)} 条提醒未发送：")
        for reminder in due:
            click.echo(f"  {reminder.kind}\t{reminder.recipient.email}\t{reminder.subject}")
        return
    sent = reminders.send_reminders(due, mail)
    db.session.commit()
    click.echo(f"已发送 {len(sent)} 条提醒。")
