"""`lms exams …`: sync the exam definitions, list exams, and close overdue attempts (for cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from lms.assessments import attempts, catalog, clock
from lms.assessments.definitions import DefinitionError, load_definitions
from lms.extensions import db

exams_cli = AppGroup("exams", help="季度考试：同步考试定义、关闭超时答卷")


@exams_cli.command("sync")
@click.option("--dry-run", is_flag=True, help="只预览，不写入数据库。")
def sync_command(dry_run: bool):
    """Load quizzes/exams/*.yaml into the database (run `lms quizzes sync` first)."""
    try:
        definitions = load_definitions(current_app.config["QUIZZES_DIR"])
    except DefinitionError as error:
        raise click.ClickException(f"考试定义有误，未写入任何数据：\n{error}") from error
    report = catalog.sync_exams(definitions)
    if dry_run:
        db.session.rollback()
        click.echo("预览（未写入）：" + report.summary)
        return
    db.session.commit()
    click.echo("同步完成：" + report.summary)


@exams_cli.command("close-overdue")
def close_overdue_command():
    """Finish and grade every attempt past its deadline plus grace; safe to run every minute."""
    closed = attempts.close_overdue(clock.now())
    db.session.commit()
    click.echo(f"已自动交卷 {closed} 份超时答卷。")
