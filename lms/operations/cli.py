"""`lms backup …`, `lms jobs …` and `lms doctor`: thin commands over lms.operations."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from lms import clock
from lms.extensions import db
from lms.operations import backup, doctor, jobs

backup_cli = AppGroup("backup", help="备份：创建、恢复、校验")
jobs_cli = AppGroup("jobs", help="定时任务：由 cron 或 systemd timer 每几分钟调用 run-due")


def _fail(message: str):
    """Print `message` to stderr and exit with code 1."""
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


@backup_cli.command("create")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="备份目录（默认 BACKUP_DIR）")
@click.option("--no-secrets", is_flag=True, help="不另存实例密钥文件。")
def create_command(out_dir: Path | None, no_secrets: bool):
    """Back up the database while the app serves (with a manifest); secrets go to a separate 0600 file."""
    try:
        created = backup.create_backup(out_dir, include_secrets=not no_secrets)
    except backup.BackupError as error:
        db.session.rollback()
        _fail(f"备份失败：{error}")
    db.session.commit()
    manifest = created.manifest
    click.echo(
        f"已备份到 {created.path}（{created.path.stat().st_size} 字节）\n"
        f"  数据库版本 {manifest['revision']}，{len(manifest['tables'])} 张表，"
        f"共 {sum(manifest['tables'].values())} 行；档案 {manifest['ledger']['count']} 条"
    )
    if created.secrets_path:
        click.echo(f"  密钥另存于 {created.secrets_path}（权限 0600，请与备份分开保管）")
    removed = backup.prune(created.path.parent, int(current_app.config["BACKUP_KEEP"]))
    if removed:
        click.echo(f"  按保留份数 {current_app.config['BACKUP_KEEP']} 删除了 {len(removed)} 个旧文件")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(file: Path):
    """Restore a backup into the configured database, which must be empty (run before `lms db upgrade`)."""
    try:
        manifest = backup.restore_backup(file)
    except backup.BackupError as error:
        _fail(f"拒绝恢复：{error}")
    click.echo(
        f"已恢复 {file.name}：{manifest['created_at']} 的备份，数据库版本 {manifest['revision']}，"
        f"共 {sum(manifest['tables'].values())} 行，行数与清单一致"
    )


@backup_cli.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def verify_command(file: Path):
    """Restore a backup into a scratch database and check schema, row counts, integrity and the ledger."""
    try:
        report = backup.verify_backup(file)
    except backup.BackupError as error:
        _fail(f"校验未通过：{error}")
    for line in report.passed:
        click.echo(f"✓ {line}")
    for line in report.problems:
        click.echo(f"✗ {line}", err=True)
    if not report.ok:
        raise click.exceptions.Exit(1)
    click.echo(f"备份 {file.name} 校验通过。")


@backup_cli.command("list")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), help="备份目录（默认 BACKUP_DIR）")
def list_command(folder: Path | None):
    """List the backups in the backup folder, oldest first."""
    for path in backup.backups_in(folder or backup.backup_dir()):
        click.echo(f"{path.name}\t{path.stat().st_size} 字节")


@jobs_cli.command("run-due")
@click.option("--only", default=None, help="只运行这一个任务（名称见 lms jobs list）。")
@click.option("--force", is_flag=True, help="不等到期就运行（仍不会与其他节点同时运行）。")
def run_due_command(only: str | None, force: bool):
    """Run every scheduled job that is due (safe on every node at once); exit 1 if one failed."""
    try:
        outcomes = jobs.run_due(only=only, force=force)
    except jobs.ScheduleError as error:
        _fail(str(error))
    failed = False
    for outcome in outcomes:
        if outcome.status in ("ok", "failed"):
            click.echo(f"{outcome.job}\t{outcome.status}\t{outcome.seconds:.2f}s\t{outcome.summary}")
        failed |= outcome.status == "failed"
    if failed:
        raise click.exceptions.Exit(1)


@jobs_cli.command("list")
def list_jobs_command():
    """Show every job: schedule, last run, outcome and next due time."""
    for summary in jobs.last_runs():
        job = next(j for j in jobs.registered() if j.name == summary.name)
        schedule = jobs.schedule_of(job)
        last = (
            f"{clock.format_local(summary.last_started_at)} {'成功' if summary.last_ok else '失败'}"
            if summary.last_started_at
            else "从未运行"
        )
        due = clock.format_local(summary.next_due_at) if summary.next_due_at and schedule else "—"
        click.echo(f"{summary.name}\t{summary.label}\t{schedule or 'off'}\t上次：{last}\t下次：{due}")


@click.command("doctor", help="检查配置、数据库、Redis、SMTP、磁盘、备份、定时任务和档案；有问题时退出码为 1")
@with_appcontext
@click.option("--quick", is_flag=True, help="档案只核对链头与最近的检查点，不逐条校验。")
def doctor_command(quick: bool):
    """Check configuration, database, Redis, SMTP, disk, backups, jobs and the ledger; exit 1 if anything is wrong."""
    findings = doctor.run_checks(quick=quick)
    for finding in findings:
        click.echo(f"{'✓' if finding.ok else '✗'} {finding.area}：{finding.message}", err=not finding.ok)
    problems = [f for f in findings if not f.ok]
    if problems:
        click.echo(f"发现 {len(problems)} 个问题。", err=True)
        raise click.exceptions.Exit(1)
    click.echo("一切正常。")
