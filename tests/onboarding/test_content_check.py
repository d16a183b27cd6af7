"""`lms content check` also checks the onboarding program against the course."""

import shutil
from pathlib import Path

from lms.courses.cli import content_cli

CONTENT = Path(__file__).resolve().parents[2] / "content"


def test_check_reports_a_missing_lesson_with_file_and_line(tmp_path, runner):
    course = tmp_path / "content"
    shutil.copytree(CONTENT, course)
    program = course / "onboarding.yaml"
    lines = program.read_text(encoding="utf-8").splitlines()
    lines[-1] = '  - "9.9"'
    program.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(content_cli, ["check", str(course)])
    assert result.exit_code == 1
    assert f"{program}:{len(lines)}: 入职培训引用的课时 9.9 不存在" in result.output
    assert "入职培训计划校验未通过：1 处错误。" in result.output


def test_shipped_content_and_program_pass(runner):
    result = runner.invoke(content_cli, ["check", str(CONTENT)])
    assert result.exit_code == 0, result.output
    assert "35 课" in result.output
