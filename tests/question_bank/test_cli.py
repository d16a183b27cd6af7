"""The `lms quizzes` commands: check, sync, import-gift, export-gift."""

import json

from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.models import Question
from lms.question_bank.loader import load_bank

from .conftest import DATA


def test_check_json_prints_the_summary(bank_runner):
    result = bank_runner.invoke(args=["quizzes", "check", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["questions"] == 5 and summary["ok"] is True
    assert {"by_type", "cells", "clauses_without_questions"} <= set(summary)


def test_check_fails_with_file_line_and_id(bank_runner, quizzes_dir):
    path = quizzes_dir / "sample" / "2.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'points: 2\n    clause: "2.1"\n    dimension: process',
            'points: 0\n    clause: "2.1"\n    dimension: process',
        ),
        encoding="utf-8",
    )
    result = bank_runner.invoke(args=["quizzes", "check"])
    assert result.exit_code == 1
    assert "2.yaml:21: 题目 s-2.1-02：分值 points 应是大于 0 的数字" in result.output


def test_sync_dry_run_writes_nothing_then_sync_writes(bank_runner, app):
    result = bank_runner.invoke(args=["quizzes", "sync", "--dry-run"])
    assert result.exit_code == 0 and "预览（未写入）：新增 5 题" in result.output
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Question)) == 0
    result = bank_runner.invoke(args=["quizzes", "sync"])
    assert "同步完成：新增 5 题" in result.output
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Question)) == 5


def test_sync_refuses_a_bank_that_fails_the_check(bank_runner, quizzes_dir, app):
    path = quizzes_dir / "sample" / "5.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("考核频率:每季度一次", "考核频率:每年一次"), encoding="utf-8")
    result = bank_runner.invoke(args=["quizzes", "sync"])
    assert result.exit_code == 1 and "未写入任何数据" in result.output and "s-5.1-02" in result.output
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Question)) == 0


def test_export_then_import_gives_the_same_questions(bank_runner, quizzes_dir, tmp_path):
    out = tmp_path / "sample.gift"
    result = bank_runner.invoke(args=["quizzes", "export-gift", "sample", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "$CATEGORY: sample/2" in out.read_text(encoding="utf-8")
    result = bank_runner.invoke(args=["quizzes", "import-gift", str(out), "--bank", "copy"])
    assert result.exit_code == 0, result.output
    assert load_bank(quizzes_dir / "copy").questions == load_bank(quizzes_dir / "sample").questions
    assert sorted(p.name for p in (quizzes_dir / "copy").iterdir()) == ["2.yaml", "5.yaml", "bank.yaml"]


def test_export_to_stdout(bank_runner):
    result = bank_runner.invoke(args=["quizzes", "export-gift", "sample"])
    assert result.exit_code == 0 and result.output.count("\n::s-") + result.output.startswith("::") == 5


def test_import_of_moodle_file_lists_what_is_left_to_fill_in(bank_runner, quizzes_dir):
    result = bank_runner.invoke(
        args=["quizzes", "import-gift", str(DATA / "gift" / "all_constructs.gift"), "--bank", "moodle"]
    )
    assert result.exit_code == 0 and "已导入 10 题" in result.output
    assert "缺少所考条款" in result.output
    assert sorted(p.name for p in (quizzes_dir / "moodle").iterdir()) == ["bank.yaml", "投诉.yaml", "数值.yaml"]


def test_import_refuses_broken_gift_and_existing_bank(bank_runner, quizzes_dir):
    result = bank_runner.invoke(args=["quizzes", "import-gift", str(DATA / "gift" / "unclosed.gift"), "--bank", "x"])
    assert result.exit_code == 1 and "unclosed.gift:3" in result.output and "未导入任何题目" in result.output
    assert not (quizzes_dir / "x").exists()
    result = bank_runner.invoke(args=["quizzes", "import-gift", str(DATA / "gift" / "essay.gift"), "--bank", "sample"])
    assert result.exit_code == 1 and "已存在" in result.output


def test_import_of_a_moodle_export_skips_and_lists_unsupported_types(bank_runner, quizzes_dir):
    result = bank_runner.invoke(
        args=["quizzes", "import-gift", str(DATA / "gift" / "moodle_export.gift"), "--bank", "moodle"]
    )
    assert result.exit_code == 0, result.output
    assert "已导入 8 题" in result.output and "跳过 5 道本平台不支持的题目" in result.output
    for line, label in ((5, "描述题"), (16, "问答题"), (19, "匹配题"), (39, "完形填空"), (54, "完形填空")):
        assert f"moodle_export.gift:{line}: {label}" in result.output
    written = (quizzes_dir / "moodle" / "默认-销售规范.yaml").read_text(encoding="utf-8")
    assert "name: 严重投诉时效" in written and "wrong: 太离谱了" in written


def test_import_strict_refuses_a_file_with_unsupported_types(bank_runner, quizzes_dir):
    result = bank_runner.invoke(
        args=["quizzes", "import-gift", str(DATA / "gift" / "moodle_export.gift"), "--bank", "moodle", "--strict"]
    )
    assert result.exit_code == 1 and "未导入任何题目" in result.output
    assert "moodle_export.gift:19: 题目 时效配对：匹配题（matching）不支持导入（--strict）" in result.output
    assert not (quizzes_dir / "moodle").exists()


def test_import_of_a_file_with_only_unsupported_types_writes_nothing(bank_runner, quizzes_dir):
    result = bank_runner.invoke(args=["quizzes", "import-gift", str(DATA / "gift" / "essay.gift"), "--bank", "e"])
    assert result.exit_code == 1 and "essay.gift:1: 问答题（essay）「问答」" in result.output
    assert "没有找到可导入的题目" in result.output and not (quizzes_dir / "e").exists()
