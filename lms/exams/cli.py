"""`lms exams …`: sync the exam definitions, close overdue attempts (for cron), rebuild item-analysis tallies."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lms import clock
from lms.exams import attempts, catalog, tallies
from lms.exams.definitions import DefinitionError, load_definitions
from lms.extensions import db
from lms.models import Exam

exams_cli = AppGroup("exams", help="季度考试：同步考试定义、关闭超时答卷、重算试题分析")


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


@exams_cli.command("rebuild-tallies")
@click.option("--exam", "key", default=None, help="只重算这一场考试（考试编号，如 2026-Q4）。")
def rebuild_tallies_command(key: str | None):
    """Recount the item-analysis tallies from the current results (after an upgrade, or to check them)."""
    stmt = select(Exam.id, Exam.key).order_by(Exam.key)
    exams = db.session.execute(stmt.where(Exam.key == key) if key else stmt).all()
    if key and not exams:
        raise click.ClickException(f"没有编号为 {key} 的考试。")
    for exam_id, exam_key in exams:
        click.echo(f"{exam_key}：按 {tallies.rebuild(exam_id)} 份当前成绩重算")
    db.session.commit()
