"""`lms users …`: import people, create the first administrator, issue reset links."""

from pathlib import Path

import click
from flask.cli import AppGroup

from lms.auth import service as auth_service
from lms.extensions import db
from lms.models import User
from lms.people import csv_import
from lms.people.service import PersonData, PersonError, find_by_employee_no, save_person

users_cli = AppGroup("users", help="人员：导入、管理员、密码重置")


@users_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只校验并预览，不写入。")
def import_command(file: Path, dry_run: bool):
    """Upsert people from a CSV file (UTF-8 or GBK); nothing is written if any row is bad."""
    try:
        report = csv_import.import_people(file.read_bytes(), dry_run=dry_run)
    except csv_import.CsvFormatError as error:
        raise click.ClickException(str(error)) from error
    for error in report.errors:
        click.echo(str(error), err=True)
    if report.errors:
        db.session.rollback()
        raise click.ClickException(f"共 {len(report.errors)} 处错误，未写入任何数据。")
    if dry_run:
        click.echo("预览（未写入）：" + report.summary)
        return
    db.session.commit()
    click.echo("导入完成：" + report.summary)


def create_admin(employee_no: str, name: str, email: str, password: str) -> User:
    """Create an active administrator (also HR) with `password`; flushes, never commits."""
    person = save_person(PersonData(employee_no=employee_no, name=name, email=email.lower(), roles={"admin", "hr"}))
    auth_service.set_password(person, password)
    return person


@users_cli.command("create-admin")
@click.option("--employee-no", default="admin", show_default=True, help="管理员工号")
@click.option("--name", default="系统管理员", show_default=True)
@click.option("--email", default="admin@example.com", show_default=True)
@click.option("--password", default=None, help="不填则随机生成并打印")
def create_admin_command(employee_no: str, name: str, email: str, password: str | None):
    """Create the first administrator so someone can sign in."""
    password = password or auth_service.generate_password()
    try:
        create_admin(employee_no, name, email, password)
    except (PersonError, auth_service.AuthError) as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"已创建管理员：工号 {employee_no}，密码 {password}")


@users_cli.command("reset-link")
@click.argument("employee_no")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
def reset_link_command(employee_no: str, base_url: str):
    """Print a single-use password link for a person (when nobody can sign in to issue one)."""
    person = find_by_employee_no(employee_no)
    if person is None or not person.active:
        raise click.ClickException(f"工号 {employee_no} 不存在或已停用。")
    # Issued by the server's operator, not by anyone's account: the audit entry says 系统命令.
    token = auth_service.issue_password_reset(person, None)
    db.session.commit()
    click.echo(base_url.rstrip("/") + f"/reset/{token}")
