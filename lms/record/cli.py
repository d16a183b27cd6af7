"""`lms record …`: verify the ledger's hash chain, take a signed checkpoint, prove the log extends one."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.database import begin_read_only
from lms.extensions import db
from lms.record import hashing, rebuild, service

record_cli = AppGroup("record", help="发展激励档案：校验哈希链、生成签名检查点、与源数据核对")

_BATCH_OPTION = click.option(
    "--batch-size",
    default=service.VERIFY_BATCH,
    show_default=True,
    type=click.IntRange(1),
    help="每次从数据库读取的条数。",
)
_WORKERS_OPTION = click.option(
    "--workers",
    default=service.default_workers(),
    show_default=True,
    type=click.IntRange(1, 16),
    help=f"超过 {service.PARALLEL_FROM} 条时分段并行校验的进程数（1：单进程）。",
)


@record_cli.command("verify")
@click.option(
    "--against",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="另行保存的检查点文件：证明今天的日志延续了它。",
)
@_BATCH_OPTION
@_WORKERS_OPTION
def verify_command(checkpoint_file: Path | None, batch_size: int, workers: int):
    """Walk the whole chain and name the first broken entry (exit code 1); with --against, check a checkpoint too."""
    begin_read_only(db.session())  # a read: on SQLite it does not queue writers for the length of the walk
    if checkpoint_file is None:
        report = service.verify_chain(batch_size=batch_size, workers=workers)
        db.session.rollback()
        if not report.ok:
            _fail(f"档案链损坏（此前 {report.count} 条完好）：{report.broken}")
        click.echo(f"档案链完整：共 {report.count} 条，链头哈希 {report.head_hash}")
        return
    try:
        text = checkpoint_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"无法读取检查点文件 {checkpoint_file}：{error}") from error
    try:
        outcome = service.check_against(text, current_app.config["SECRET_KEY"], batch_size=batch_size, workers=workers)
    except hashing.CheckpointError as error:
        _fail(f"检查点无效：{error}")
    db.session.rollback()
    if not outcome.ok:
        _fail(outcome.failure)
    checkpoint = outcome.checkpoint
    click.echo(
        f"档案链完整：共 {outcome.chain.count} 条，链头哈希 {outcome.chain.head_hash}\n"
        f"延续了检查点：{checkpoint['at']} 时的第 {checkpoint['count']} 条，哈希 {checkpoint['hash']}，签名有效"
    )


@record_cli.command("checkpoint")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="另外把检查点写入这个文件（标准输出照常打印）。",
)
@_BATCH_OPTION
@_WORKERS_OPTION
def checkpoint_command(output: Path | None, batch_size: int, workers: int):
    """Verify the chain, then store and print a signed head (count, hash, time) to keep outside the system."""
    begin_read_only(db.session())
    report = service.verify_chain(batch_size=batch_size, workers=workers)
    db.session.commit()  # end the read before writing (SQLite's writes begin in the writer queue)
    try:
        _row, document = service.take_checkpoint(report, current_app.config["SECRET_KEY"])
    except service.RecordError as error:
        db.session.rollback()
        _fail(str(error))
    db.session.commit()
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is not None:
        output.write_text(text, encoding="utf-8")
    click.echo(text, nl=False)


@record_cli.command("rebuild")
@click.option("--check", "check_only", is_flag=True, help="只核对、不写入（目前唯一的方式，必须给出）。")
@click.option(
    "--limit", default=100, show_default=True, type=click.IntRange(0), help="最多列出多少条差异（0：全部列出）。"
)
def rebuild_command(check_only: bool, limit: int):
    """Recompute every fact from the source tables and report missing / different / unexpected ones (exit 1)."""
    if not check_only:
        raise click.UsageError("请加 --check：重建只核对并报告差异，不改动档案（档案只能追加）。")
    begin_read_only(db.session())
    try:
        report = rebuild.check()
    except rebuild.ProviderError as error:
        db.session.rollback()
        _fail(f"无法核对：{error}")
    db.session.rollback()
    for path in report.absent_providers:
        click.echo(f"（{path} 尚不存在，跳过）")
    shown = report.differences if limit == 0 else report.differences[:limit]
    for difference in shown:
        click.echo(str(difference))
    if len(shown) < len(report.differences):
        click.echo(f"……另有 {len(report.differences) - len(shown)} 条差异未列出（--limit 0 列出全部）")
    if report.unchecked_kinds:
        click.echo("未核对的类型（尚无提供者）：" + "、".join(report.unchecked_kinds))
    if not report.ok:
        _fail(report.summary())
    click.echo(report.summary())


def _fail(message: str):
    """Print `message` to stderr and exit with code 1: the log does not hold (2 is click's usage error)."""
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)
