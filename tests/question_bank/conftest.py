"""Fixtures for the question bank: the sample bank, its clause texts, and a CLI app pointed at them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

# The clause texts the sample bank quotes, shaped like lesson plain text
# (a table's cells separated by spaces and pipes).
SAMPLE_TEXTS = {
    "2.1": "诚信经营规范。投诉处理时效标准 | 投诉等级 | 响应时效 | 解决时限 | 负责人 |\n"
    "| 严重 | ≤30分钟 | 24小时内 | 销售总监 |\n| 一般 | ≤2小时 | 3个工作日 | 销售经理 |\n"
    "| 轻微 | ≤24小时 | 5个工作日 | 一线销售人员 |",
    "5.1": "产品知识学习体系。考核形式：闭卷笔试、在线测试、模拟销售场景等。"
    "考核频率：每季度一次，考核成绩应达到80分及以上（含80分）。",
    "5.4": "案例复盘与经验共享。",
}


@pytest.fixture
def sample_texts() -> dict[str, str]:
    return dict(SAMPLE_TEXTS)


@pytest.fixture
def quizzes_dir(tmp_path) -> Path:
    """A writable copy of tests/question_bank/data/quizzes (the sample bank)."""
    target = tmp_path / "quizzes"
    shutil.copytree(DATA / "quizzes", target)
    return target


@pytest.fixture
def bank_runner(app, quizzes_dir, sample_texts, monkeypatch):
    """The CLI runner with QUIZZES_DIR on the sample bank and the sample clause texts as content."""
    app.config["QUIZZES_DIR"] = str(quizzes_dir)
    monkeypatch.setattr("lms.question_bank.cli.clause_texts", lambda content_dir: dict(sample_texts))
    return app.test_cli_runner()
