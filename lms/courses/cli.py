"""`lms content …`: build the course from the guide, and check a built course.

Registered on the `lms` command by the application factory. Neither command
needs the app context: both work on files only.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app, has_app_context
from flask.cli import AppGroup, ScriptInfo

from lms.courses.loader import CourseError, load_course
from lms.courses.sync import sync_course
from lms.extensions import db
from lms.guidebuild.build import build_course
from lms.guidebuild.check import check_content
from lms.guidebuild.errors import GuideError
from lms.incentives.check import check_incentives_file
from lms.onboarding.program import PROGRAM_FILE, ProgramError, check_program, load_program
from lms.tracks.check import check_tracks_file
from lms.tracks.sync import sync_tracks

content_cli = AppGroup("content", help="课程内容：构建与校验")


def default_content_dir() -> Path:
    """The app's CONTENT_DIR (`content/` at the repository root), else cwd/content."""
    app = current_app if has_app_context() else _load_app()
    if app is None:
        return Path.cwd() / "content"
    return Path(app.config.get("CONTENT_DIR") or Path(app.root_path).parent / "content")


def _load_app():
    """The `lms` app when running under its command group; None otherwise."""
    context = click.get_current_context(silent=True)
    info = context.find_object(ScriptInfo) if context else None
    if info is None:
        return None
    try:
        return info.load_app()
    except Exception:  # no app to be had (e.g. outside the project): fall back to cwd
        return None


@content_cli.command("build", with_appcontext=False)
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), help="输出目录（默认：仓库根目录下的 content/）。")
@click.option("--hints", type=click.Path(path_type=Path), help="勘误与提示文件所在目录（默认：与 SOURCE 同一目录）。")
def build_command(source: Path, out: Path | None, hints: Path | None) -> None:
    """Build the course from the guide SOURCE into content/ (replaced only on success)."""
    out = out or default_content_dir()
    try:
        report = build_course(source, out, hints)
    except GuideError as error:
        raise click.ClickException(f"构建失败，{out} 未改动：\n{error}") from None
    click.echo(
        f"已构建 {report.out}：{report.chapters} 章，{report.lessons} 课，"
        f"{report.tables} 张表，{report.errata} 条勘误。"
    )


@content_cli.command("check", with_appcontext=False)
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option(
    "--quizzes", type=click.Path(path_type=Path), help="核对技能路径抽题规则所用的题库目录（默认：同级的 quizzes/）。"
)
def check_command(directory: Path | None, quizzes: Path | None) -> None:
    """Validate a built course (front matter, clause ids, order, links, tables), its onboarding program,
    skill tracks (tracks.yaml) and incentive rules (incentives.yaml), when present, and summarise them."""
    directory = directory or default_content_dir()
    try:
        report = check_content(directory)
    except CourseError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"课程内容校验未通过：{len(error.problems)} 处错误。") from None
    problems = _onboarding_problems(directory)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"入职培训计划校验未通过：{len(problems)} 处错误。")
    tracks = check_tracks_file(directory, quizzes)  # skill tracks (content/tracks.yaml), when present
    for problem in tracks.problems if tracks else ():
        click.echo(problem, err=True)
    if tracks and tracks.problems:
        raise click.ClickException(f"技能路径校验未通过：{len(tracks.problems)} 处错误。")
    incentives = check_incentives_file(directory)  # incentive rules (content/incentives.yaml), when present
    for problem in incentives.problems if incentives else ():
        click.echo(problem, err=True)
    if incentives and incentives.problems:
        raise click.ClickException(f"激励规则校验未通过：{len(incentives.problems)} 处错误。")
    click.echo(
        f"{directory}：{report.summary()}。"
        + (f"\n{tracks.summary}。" if tracks else "")
        + (f"\n{incentives.summary}。" if incentives else "")
    )


def _onboarding_problems(directory: Path) -> list[str]:
    """Errors (file:line) of the onboarding program in `directory`, if it has one."""
    if not (directory / PROGRAM_FILE).exists():
        return []
    try:
        program = load_program(directory / PROGRAM_FILE)
    except ProgramError as error:
        return [str(error)]
    known = {lesson.clause_id for chapter in load_course(directory).chapters for lesson in chapter.lessons}
    return check_program(program, known)


@content_cli.command("sync")
@click.option("--dry-run", is_flag=True, help="只报告将做的改动，不写入数据库。")
def sync_command(dry_run: bool) -> None:
    """Load content/ into the database: upsert by clause id, skip unchanged, retire removed lessons."""
    click.echo(sync_content(Path(current_app.config["CONTENT_DIR"]), dry_run))


def sync_content(directory: Path, dry_run: bool = False) -> str:
    """Parse and sync the course in `directory`; commits unless `dry_run`. Returns the report line."""
    try:
        course = load_course(directory)
    except CourseError as error:
        raise click.ClickException("课程内容无法加载：\n" + "\n".join(error.problems)) from None
    # The skill tracks are checked before anything is written: a broken tracks.yaml syncs nothing.
    tracks = check_tracks_file(directory, current_app.config.get("QUIZZES_DIR") or None)
    if tracks and tracks.problems:
        raise click.ClickException(
            f"技能路径校验未通过（{len(tracks.problems)} 处错误），未同步任何内容：\n" + "\n".join(tracks.problems)
        )
    report = sync_course(course, dry_run=dry_run)
    lines = [report.summary]
    if tracks:
        lines.append("技能路径：" + sync_tracks(tracks.tracks, dry_run=dry_run).summary)
    if dry_run:
        db.session.rollback()
        return "课程同步预览（未写入）：" + "；".join(lines)
    db.session.commit()
    return "课程已同步：" + "；".join(lines)
