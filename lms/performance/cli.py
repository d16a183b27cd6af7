"""`lms record import-grades FILE`: HR's grade file from the server's shell (the page's import, without a browser).

The command joins the `record` group of lms.record.cli: importing this module
(the factory does) adds it there.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import User
from lms.performance import grades
from lms.record.cli import record_cli


@record_cli.command("import-grades")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", default="", help="更正原因：文件更正已有等级时必填（谁要求更正、为什么）。")
@click.option("--by", "by_employee_no", default="", help="执行导入的人力资源人员工号（记入导入记录与档案）。")
@click.option("--dry-run", is_flag=True, help="只检查并预览，不写入。")
def import_grades_command(file: Path, reason: str, by_employee_no: str, dry_run: bool):
    """Check a grade file (CSV in UTF-8/GBK, or XLSX) row by row and, unless --dry-run, import all of it or nothing.

    Exit code 1 with every bad row's line and reason; nothing is written then.
    """
    actor = _actor(by_employee_no)
    data = file.read_bytes()
    try:
        plan = (
            grades.plan_import(data, file.name)
            if dry_run
            else grades.apply_import(data, file.name, actor=actor, reason=reason)
        )
    except (grades.GradeFileError, grades.GradeImportError) as error:
        db.session.rollback()
        _fail(f"{file.name}：{error}")
    if plan.errors:
        db.session.rollback()
        _fail("\n".join([f"{file.name}：{len(plan.errors)} 行有误，未写入任何数据。", *map(str, plan.errors)]))
    for planned in plan.rows:
        before = (
            f"（原为 {_show(planned.previous[0])} {_show(planned.previous[1])}）" if planned.action == "correct" else ""
        )
        click.echo(
            f"第 {planned.row.line} 行 {planned.row.employee_no} {planned.name} {planned.row.period.key} "
            f"{_show(planned.row.grade)} {_show(planned.row.score)} {planned.action_label}{before}"
        )
    for warning in plan.warnings:
        click.echo(f"等级分布提醒：{warning}")
    if dry_run:
        db.session.rollback()
        click.echo(f"预览（未写入）：{plan.summary}")
        return
    db.session.commit()
    click.echo(f"导入完成（导入记录 #{plan.grade_import.id}）：{plan.summary}")


def _actor(employee_no: str) -> User | None:
    if not employee_no:
        return None
    actor = db.session.scalars(select(User).where(func.lower(User.employee_no) == employee_no.strip().lower())).first()
    if actor is None or not actor.has_role("hr", "admin"):
        _fail(f"--by {employee_no}：没有这位人力资源人员或管理员。")
    return actor


def _show(value) -> str:
    return "—" if value is None else str(value)


def _fail(message: str):
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)
