"""Whole-installation commands: `lms setup` and the `lms dev …` helpers."""

import random
import secrets
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade as migrate_upgrade
from sqlalchemy import func, select

from lms import clock
from lms.auth import service as auth_service
from lms.certificates.cli import ensure_signing_key
from lms.extensions import db
from lms.models import User
from lms.people.cli import create_admin

DEMO_PASSWORD_LENGTH = 12


def _ensure_secret_key() -> None:
    """Write a random SECRET_KEY to instance/config.py unless one is configured."""
    if current_app.config["SECRET_KEY"] != "dev-only-not-secret":
        return
    config_file = Path(current_app.instance_path) / "config.py"
    config_file.parent.mkdir(parents=True, exist_ok=True)
    if "SECRET_KEY" not in (config_file.read_text() if config_file.exists() else ""):
        with config_file.open("a") as handle:
            handle.write(f"SECRET_KEY = {secrets.token_hex(32)!r}\n")
        click.echo(f"已生成密钥：{config_file}")


def _demo_people(password: str) -> list[str]:
    """A manager, a mentor, two reps (one a new hire) and an HR officer to explore roles with."""
    today = clock.today()
    people = [
        ("demo-hr", "韩人事", "hr", None, None, today - timedelta(days=900)),
        ("demo-mgr", "马经理", "manager", None, None, today - timedelta(days=1500)),
        ("demo-mentor", "秦导师", "mentor rep", "demo-mgr", None, today - timedelta(days=1100)),
        ("demo-rep", "李销售", "rep", "demo-mgr", "demo-mentor", today - timedelta(days=400)),
        ("demo-new", "王新人", "rep", "demo-mgr", "demo-mentor", today - timedelta(days=10)),
    ]
    from lms.people.service import PersonData, save_person

    lines = []
    for employee_no, name, roles, manager, mentor, hired in people:
        if db.session.scalars(select(User).where(User.employee_no == employee_no)).first():
            continue
        person = save_person(
            PersonData(
                employee_no=employee_no,
                name=name,
                email=f"{employee_no}@example.com",
                hire_date=hired,
                team="华东一组",
                manager_no=manager,
                mentor_no=mentor,
                roles=set(roles.split()),
            )
        )
        auth_service.set_password(person, password)
        lines.append(f"  {employee_no}（{name}，{roles}）")
    return lines


@click.command("setup")
@click.option("--demo", is_flag=True, help="同时创建演示账号（经理、导师、销售、新员工、人事）。")
@click.pass_context
@with_appcontext
def setup_command(ctx: click.Context, demo: bool):
    """Prepare an installation: secret key, schema, course, question bank, exams, first administrator.

    Safe to run again: every step skips what is already done.
    """
    _ensure_secret_key()
    ensure_signing_key()
    migrate_upgrade()
    click.echo("数据库已是最新结构。")
    # The same commands an operator runs by hand after changing content/ or quizzes/.
    from lms.courses.cli import sync_command as content_sync
    from lms.exams.cli import sync_command as exams_sync
    from lms.question_bank.cli import sync_command as quizzes_sync

    ctx.invoke(content_sync, dry_run=False)
    ctx.invoke(quizzes_sync, dry_run=False)
    ctx.invoke(exams_sync, dry_run=False)  # after the bank: exams draw from it
    admin_password = None
    if not db.session.scalars(select(User).where(User.role_rows.any(role="admin"))).first():
        admin_password = auth_service.generate_password()
        create_admin("admin", "系统管理员", "admin@example.com", admin_password)
    demo_password = "Demo-" + secrets.token_hex(4)
    demo_lines = _demo_people(demo_password) if demo else []
    db.session.commit()
    click.echo("\n准备完成。登录地址：http://127.0.0.1:5000/login")
    if admin_password:
        click.echo(f"管理员账号：admin  密码：{admin_password}（请登录后在“修改密码”中更改）")
    else:
        click.echo("管理员已存在；忘记密码可运行：lms users reset-link admin")
    if demo_lines:
        click.echo(f"演示账号（密码均为 {demo_password}）：\n" + "\n".join(demo_lines))
    _warn_about_the_calendar()


def _warn_about_the_calendar() -> None:
    """Say which years the working-day calendar knows, and warn when this year or the next is missing.

    Appeal windows (7.4) count working days; a deadline in an unknown year is
    an error (lms.clock.CalendarUnknown), so the operator hears of it here first.
    """
    library, company = clock.library_years(), clock.covered_years() - clock.library_years()
    extra = f"；公司配置：{'、'.join(map(str, sorted(company)))} 年" if company else ""
    click.echo(f"工作日历（法定节假日与调休）：chinese-calendar {min(library)}–{max(library)} 年{extra}。")
    missing = [year for year in (clock.today().year, clock.today().year + 1) if year not in clock.covered_years()]
    if missing:
        click.echo(
            f"注意：工作日历尚不包含 {'、'.join(map(str, missing))} 年。请升级 chinese-calendar，"
            "或在配置中设置 COMPANY_CALENDAR_YEARS 并填入 COMPANY_HOLIDAYS / COMPANY_WORKDAYS；"
            "否则落在这些年份的申诉期限无法计算。"
        )


dev_cli = AppGroup("dev", help="开发与基准测试工具")


@dev_cli.command("seed")
@click.option("--reps", default=200, show_default=True, help="销售代表人数")
@click.option("--team-size", default=10, show_default=True, help="每个团队的人数")
@click.option("--seed", default=1, show_default=True, help="随机种子：相同种子得到相同数据")
@click.option("--password", default="Seed-pass-1", show_default=True, help="所有种子账号的密码")
def seed_command(reps: int, team_size: int, seed: int, password: str):
    """Create a deterministic population: managers, mentors and reps with hire dates.

    Employee numbers are S00001…; running it twice with the same arguments
    adds nothing the second time.
    """
    rng = random.Random(seed)
    password_hash = auth_service.hash_password(password)  # hashed once: scrypt is slow on purpose
    existing = set(db.session.scalars(select(User.employee_no).where(User.employee_no.like("S%"))))
    teams = max(1, (reps + team_size - 1) // team_size)
    for team in range(teams):
        seeded = (existing, password_hash, rng)
        manager = _seed_person(f"S{team + 1:05d}M", f"经理{team + 1}", {"manager"}, None, None, *seeded)
        mentor = _seed_person(f"S{team + 1:05d}T", f"导师{team + 1}", {"mentor", "rep"}, manager, None, *seeded)
        for member in range(team_size):
            number = team * team_size + member + 1
            if number > reps:
                break
            _seed_person(f"S{number:05d}", f"销售{number}", {"rep"}, manager, mentor, existing, password_hash, rng)
    total = db.session.scalar(select(func.count(User.id)).where(User.employee_no.like("S%")))
    db.session.commit()
    click.echo(f"种子数据：{teams} 个团队，{reps} 名销售代表；新建 {total - len(existing)} 人；密码 {password}")


def _seed_person(employee_no, name, roles, manager, mentor, existing, password_hash, rng):
    """Create one seeded person unless they exist; returns the person (either way)."""
    if employee_no in existing:
        return db.session.scalars(select(User).where(User.employee_no == employee_no)).one()
    person = User(
        employee_no=employee_no,
        name=name,
        email=f"{employee_no.lower()}@seed.example.com",
        hire_date=date(2026, 1, 1) + timedelta(days=rng.randrange(0, 330)),
        team=f"T{employee_no[1:6]}" if manager is None else manager.team,
        manager=manager,
        mentor=mentor,
        active=True,
        password_hash=password_hash,
    )
    person.set_roles(roles)
    db.session.add(person)
    db.session.flush()
    return person
