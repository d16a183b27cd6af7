"""`content check` and the `content` commands, run through click without an app."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from lms.courses.cli import content_cli
from lms.courses.loader import CourseError
from lms.guidebuild.check import check_content

from .conftest import GUIDE, SOURCE_DIR


def test_check_summary(built):
    report = check_content(built)
    assert (report.chapters, report.lessons, report.tables) == (7, 35, 35)
    assert report.characters > 26000


def test_broken_link_names_file_and_line(tmp_path, built):
    copy = tmp_path / "content"
    shutil.copytree(built, copy)
    index = copy / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").replace("chapter-1/02-1.1.md", "chapter-1/02-1.9.md"), encoding="utf-8"
    )
    with pytest.raises(CourseError, match=r"index\.md:\d+: link to chapter-1/02-1\.9\.md does not resolve"):
        check_content(copy)


def test_ragged_table_is_reported(tmp_path, built):
    copy = tmp_path / "content"
    shutil.copytree(built, copy)
    lesson = copy / "chapter-1" / "01-1.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8").replace("| 专业主义 |", "| 专业主义 | 多余 |"), encoding="utf-8"
    )
    with pytest.raises(CourseError, match=r"01-1\.md:\d+: table row has 3 cells, its header 2"):
        check_content(copy)


def test_cli_build_then_check(tmp_path):
    runner = CliRunner()
    out = tmp_path / "content"
    result = runner.invoke(content_cli, ["build", str(GUIDE), "--out", str(out), "--hints", str(SOURCE_DIR)])
    assert result.exit_code == 0, result.output
    assert "7 章，35 课，35 张表，51 条勘误" in result.output
    result = runner.invoke(content_cli, ["check", str(out)])
    assert result.exit_code == 0, result.output
    assert "7 章，35 课，35 张表" in result.output


def test_cli_build_failure_leaves_output(tmp_path, built):
    out = tmp_path / "content"
    shutil.copytree(built, out)
    result = CliRunner().invoke(
        content_cli, ["build", str(tmp_path / "missing.txt"), "--out", str(out), "--hints", str(SOURCE_DIR)]
    )
    assert result.exit_code == 1
    assert "未改动" in result.output and "source file not found" in result.output


def test_cli_check_failure_is_non_zero(tmp_path):
    result = CliRunner().invoke(content_cli, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "index.md:1: the course index is missing" in result.output


def test_build_keeps_files_it_does_not_manage(tmp_path, built):
    from lms.guidebuild.build import build_course

    out = tmp_path / "content"
    shutil.copytree(built, out)
    (out / "onboarding.yaml").write_text("kept: true\n", encoding="utf-8")
    build_course(GUIDE, out, SOURCE_DIR)
    assert (out / "onboarding.yaml").read_text(encoding="utf-8") == "kept: true\n"
