"""`lms content …`: build the course from the guide, and check a built course.

Registered on the `lms` command by the application factory. Neither command
needs the app context: both work on files only.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app, has_app_context
from flask.cli import AppGroup, ScriptInfo

from lms.courses.loader import CourseError
from lms.guidebuild.build import build_course
from lms.guidebuild.check import check_content
from lms.guidebuild.errors import GuideError

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
def check_command(directory: Path | None) -> None:
    """Validate a built course (front matter, clause ids, order, links, tables) and summarise it."""
    directory = directory or default_content_dir()
    try:
        report = check_content(directory)
    except CourseError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"课程内容校验未通过：{len(error.problems)} 处错误。") from None
    click.echo(f"{directory}：{report.summary()}。")
