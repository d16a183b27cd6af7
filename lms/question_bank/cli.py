"""`lms quizzes …`: check and sync the banks in quizzes/, import and export GIFT files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.extensions import db
from lms.question_bank import gift
from lms.question_bank.check import clause_texts, run_check
from lms.question_bank.loader import BANK_FILE, BankLoadError, dump_bank_file, dump_bank_meta, load_bank
from lms.question_bank.sync import sync_banks

quizzes_cli = AppGroup("quizzes", help="题库：校验、同步、GIFT 导入导出")


def _texts() -> dict[str, str]:
    try:
        return clause_texts(current_app.config["CONTENT_DIR"])
    except Exception as error:  # the course loader's own errors, whatever their class
        raise click.ClickException(f"无法读取课程内容 {current_app.config['CONTENT_DIR']}：{error}") from error


@quizzes_cli.command("check")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出汇总（题数、题型、维度×等级、无题条款、错误）。")
def check_command(as_json: bool):
    """Validate every bank: schema, ids, answers, clauses and word-for-word quotes."""
    result = run_check(current_app.config["QUIZZES_DIR"], _texts())
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for error in result.errors:
            click.echo(str(error), err=True)
        click.echo(f"共 {summary['questions']} 题：" + "，".join(f"{k} {v}" for k, v in summary["by_type"].items()))
        for distribution in result.distributions:  # where the right answers sit (issue 12)
            click.echo(distribution.describe())
        thin = {cell: count for cell, count in summary["cells"].items() if count < 5}
        if thin:
            click.echo("题目不足 5 道的维度/等级：" + "，".join(f"{c}={n}" for c, n in thin.items()))
        if summary["clauses_without_questions"]:
            click.echo("没有题目的条款：" + "、".join(summary["clauses_without_questions"]))
    if not result.ok:
        raise click.ClickException(f"题库校验未通过：共 {len(result.errors)} 处错误。")
    if not as_json:
        click.echo("题库校验通过。")


@quizzes_cli.command("sync")
@click.option("--dry-run", is_flag=True, help="只预览，不写入数据库。")
def sync_command(dry_run: bool):
    """Load every bank into the database in one transaction (after a full check)."""
    texts = _texts()
    result = run_check(current_app.config["QUIZZES_DIR"], texts)
    if not result.ok:
        for error in result.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"题库校验未通过（{len(result.errors)} 处错误），未写入任何数据。")
    report = sync_banks(result.banks, texts)
    if dry_run:
        db.session.rollback()
        click.echo("预览（未写入）：" + report.summary)
        return
    db.session.commit()
    click.echo("同步完成：" + report.summary)
    for key in report.newly_stale:
        click.echo(f"待复核：{key}（所引条款的内容已变更）")


def _category_file(category: str | None) -> str:
    name = (category or "imported").replace("$course$/", "").replace("$system$/", "").strip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or "imported"


@quizzes_cli.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "bank_name", required=True, help="新题库的名称（quizzes/ 下的目录名）。")
@click.option("--title", default=None, help="题库标题，默认同名称。")
@click.option("--strict", is_flag=True, help="文件中有本平台不支持的题型（问答、匹配、描述、完形填空）时拒绝整个文件。")
def import_gift_command(file: Path, bank_name: str, title: str | None, strict: bool):
    """Convert a GIFT file into a new bank folder quizzes/BANK (one YAML file per $CATEGORY).

    Questions of types this platform does not have are skipped and listed
    (file:line and type); with --strict they refuse the file. A syntax error
    always refuses it, and nothing is written then.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", bank_name):
        raise click.ClickException("题库名称只能用小写字母、数字、- 和 _，例如 product-2026q4。")
    target = Path(current_app.config["QUIZZES_DIR"]) / bank_name
    if target.exists():
        raise click.ClickException(f"{target} 已存在：请换一个名称，或先删除旧目录。")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file}: 文件不是 UTF-8 编码。") from error
    try:
        result = gift.parse_gift(text, str(file), id_prefix=bank_name, strict=strict)
    except BankLoadError as error:
        raise click.ClickException(f"GIFT 文件有误，未导入任何题目：\n{error}") from error
    parsed = result.questions
    if result.skipped:
        click.echo(f"跳过 {len(result.skipped)} 道本平台不支持的题目（加 --strict 则拒绝整个文件）：")
        for skipped in result.skipped:
            click.echo(f"  {skipped}")
    if not parsed:
        raise click.ClickException(f"{file}: 没有找到可导入的题目。")
    files: dict[str, tuple[str, list]] = {}
    for item in parsed:
        files.setdefault(_category_file(item.category), (item.category or bank_name, []))[1].append(item.question)
    target.mkdir(parents=True)
    (target / BANK_FILE).write_text(dump_bank_meta(title or bank_name, f"从 {file.name} 导入"), encoding="utf-8")
    for stem, (category, questions) in files.items():
        (target / f"{stem}.yaml").write_text(dump_bank_file(category, questions), encoding="utf-8")
    click.echo(f"已导入 {len(parsed)} 题到 {target}（{len(files)} 个文件）。")
    try:
        load_bank(target)
    except BankLoadError as error:
        click.echo(f"还需补全以下内容（所考条款、引文、解析等）后再运行 lms quizzes check：\n{error}", err=True)


@quizzes_cli.command("export-gift")
@click.argument("bank_name")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="写入文件；不填则输出到标准输出。")
def export_gift_command(bank_name: str, out: Path | None):
    """Write bank BANK as GIFT (one $CATEGORY per file, one ::name:: per question)."""
    folder = Path(current_app.config["QUIZZES_DIR"]) / bank_name
    try:
        bank = load_bank(folder)
    except BankLoadError as error:
        raise click.ClickException(f"题库 {bank_name} 无法读取：\n{error}") from error
    by_file: dict[str, list] = {}
    for question in bank.questions:
        by_file.setdefault(question.file, []).append(question)
    sections = [(f"{bank.name}/{Path(path).stem}", questions) for path, questions in by_file.items()]
    text = gift.write_gift(sections)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"已导出 {len(bank.questions)} 题到 {out}。")
    else:
        click.echo(text, nl=False)
