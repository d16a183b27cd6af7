"""`lms content check` checks content/tracks.yaml too, and fails naming file and line."""

from __future__ import annotations

import shutil

from lms.courses.cli import content_cli

from .conftest import CONTENT, QUIZZES


def test_shipped_content_prints_the_tracks_summary(runner):
    result = runner.invoke(content_cli, ["check", str(CONTENT)])
    assert result.exit_code == 0, result.output
    assert "技能路径：15 格，15 个等级测验（共 75 题）" in result.output
    assert "抽题规则已按题库核对" in result.output


def test_broken_tracks_file_fails_with_file_and_line(tmp_path, runner):
    course = tmp_path / "content"
    shutil.copytree(CONTENT, course)
    tracks = course / "tracks.yaml"
    lines = tracks.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if "weight: 40" in line)
    lines[index] = lines[index].replace("weight: 40", "weight: 41")
    tracks.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(content_cli, ["check", str(course), "--quizzes", str(QUIZZES)])
    assert result.exit_code == 1
    assert f"{tracks}:" in result.output and "权重 weight 合计应为 100（现为 101）" in result.output
    assert "技能路径校验未通过：1 处错误。" in result.output


def test_draws_unchecked_without_a_bank(tmp_path, runner):
    course = tmp_path / "content"
    shutil.copytree(CONTENT, course)
    result = runner.invoke(content_cli, ["check", str(course)])
    assert result.exit_code == 0, result.output
    assert "未找到题库" in result.output and "抽题规则未核对" in result.output
