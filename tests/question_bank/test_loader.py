"""The YAML bank format: what loads, and every kind of bad input with file and line."""

from decimal import Decimal
from pathlib import Path

import pytest

from lms.question_bank.loader import BankLoadError, dump_bank_file, load_bank, load_banks
from lms.skills import SKILL_LEVELS

from .conftest import DATA

LEVEL_BY_LABEL = {label: key for key, label in SKILL_LEVELS.items()}


def test_sample_bank_loads_all_five_types():
    bank = load_bank(DATA / "quizzes" / "sample")
    assert bank.name == "sample" and bank.title == "测试题库"
    assert [q.type for q in bank.questions] == ["single", "multiple", "true_false", "short", "numeric"]
    single = bank.questions[0]
    assert [c.correct for c in single.choices] == [False, True, False]
    assert single.choices[1].feedback == "一般投诉 ≤2小时响应。"
    assert single.level == LEVEL_BY_LABEL["初级"] and single.dimension == "communication"
    assert single.tags == ("投诉", "时效") and single.line == 3
    multiple = bank.questions[1]
    assert [c.weight for c in multiple.choices] == [Decimal(50), Decimal(50), Decimal(-100)]
    assert bank.questions[2].truth is True and bank.questions[2].feedback_wrong.startswith("80 分")
    assert [a.text for a in bank.questions[3].accepted] == ["季度", "三个月"]
    numeric = bank.questions[4]
    assert numeric.numeric[0].value == 80 and numeric.unit == "分" and numeric.points == Decimal("1.5")
    assert numeric.reviewed == "2026-01-05"


def test_hash_ignores_location_but_not_content():
    bank = load_bank(DATA / "quizzes" / "sample")
    first, second = bank.questions[0], load_bank(DATA / "quizzes" / "sample").questions[0]
    assert first.content_hash == second.content_hash
    assert first.content_hash != bank.questions[1].content_hash


def test_dumped_yaml_reads_back_equal(tmp_path):
    bank = load_bank(DATA / "quizzes" / "sample")
    folder = tmp_path / "copy"
    folder.mkdir()
    (folder / "bank.yaml").write_text("title: 副本\n", encoding="utf-8")
    (folder / "all.yaml").write_text(dump_bank_file("全部", bank.questions), encoding="utf-8")
    assert load_bank(folder).questions == bank.questions


def _bank(tmp_path: Path, body: str, name: str = "bad") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "bank.yaml").write_text("title: 坏题库\n", encoding="utf-8")
    (folder / "1.yaml").write_text(body, encoding="utf-8")
    return folder


GOOD = """\
  - id: ok-1
    type: single
    points: 1
    clause: "2.1"
    stem: 题干
    choices: [{text: 对, correct: true}, 错]
    quote: 引文
    explanation: 解析
"""


def _errors(folder: Path) -> list:
    with pytest.raises(BankLoadError) as info:
        load_bank(folder)
    return info.value.errors


@pytest.mark.parametrize(
    ("body", "line", "qid", "fragment"),
    [
        ("questions:\n  - id: x\n    stem: [unclosed\n", 4, None, "YAML 格式错误"),
        ("questions: !!python/object/apply:os.system [ls]\n", 1, None, "不允许的 YAML 标签"),
        ("questions:\n" + GOOD + "    stem: again\n", 10, None, "键「stem」重复"),
        ("questions:\n" + GOOD + GOOD, 10, "ok-1", "编号重复"),
        ("questions:\n" + GOOD.replace("{text: 对, correct: true}", "对"), 7, "ok-1", "恰好有 1 个正确选项"),
        ("questions:\n" + GOOD.replace("points: 1", "points: 0"), 4, "ok-1", "大于 0"),
        ("questions:\n" + GOOD.replace("points: 1", "points: -2"), 4, "ok-1", "大于 0"),
        ("questions:\n" + GOOD.replace("type: single", "type: essay"), 3, "ok-1", "题型"),
        ("questions:\n" + GOOD.replace("    quote: 引文\n", ""), 2, "ok-1", "缺少引文"),
        ("questions:\n" + GOOD.replace('clause: "2.1"', "clause: 第二章"), 5, "ok-1", "条款编号"),
        (
            "questions:\n" + GOOD.replace("type: single", "type: multiple").replace(", 错]", "]"),
            7,
            "ok-1",
            "至少需要 2 个选项",
        ),
        ("questions:\n" + GOOD.replace("错]", "对]"), 7, "ok-1", "文本相同"),
        ("questions:\n" + GOOD.replace("stem: 题干", "stem: 题干\n    level: 专家"), 7, "ok-1", "等级「专家」无效"),
        (
            "questions:\n" + GOOD.replace("explanation: 解析", "explanation: 解析\n    answer: a"),
            10,
            "ok-1",
            "不使用键「answer」",
        ),
    ],
)
def test_bad_input_is_reported_with_file_line_and_id(tmp_path, body, line, qid, fragment):
    errors = _errors(_bank(tmp_path, body))
    match = [error for error in errors if fragment in error.message]
    assert match, [str(error) for error in errors]
    assert match[0].line == line and match[0].question_id == qid
    assert match[0].file.endswith("1.yaml") and f"1.yaml:{line}" in str(match[0])


def test_other_types_validate_their_answers(tmp_path):
    body = """questions:
  - {id: t1, type: true_false, points: 1, clause: "1", stem: s, quote: q, explanation: e, answer: 是}
  - {id: t2, type: short, points: 1, clause: "1", stem: s, quote: q, explanation: e, answers: [季度, 季 度]}
  - {id: t3, type: numeric, points: 1, clause: "1", stem: s, quote: q, explanation: e, answer: 八十}
  - {id: t4, type: numeric, points: 1, clause: "1", stem: s, quote: q, explanation: e, range: [5, 1]}
  - {id: t5, type: numeric, points: 1, clause: "1", stem: s, quote: q, explanation: e, answer: 1, tolerance: -1}
  - {id: t6, type: multiple, points: 1, clause: "1", stem: s, quote: q, explanation: e,
     choices: [{text: a, correct: true}, {text: b, correct: true}]}
"""
    messages: dict[str, str] = {}
    for error in _errors(_bank(tmp_path, body)):
        messages[error.question_id] = messages.get(error.question_id, "") + error.message
    assert "true 或 false" in messages["t1"]
    assert "规范化" in messages["t2"]
    assert "应是数字" in messages["t3"]
    assert "下限不大于上限" in messages["t4"]
    assert "不小于 0" in messages["t5"]
    assert "1 个错误选项" in messages["t6"]


def test_nothing_is_returned_when_one_question_is_bad(tmp_path):
    folder = _bank(tmp_path, "questions:\n" + GOOD + GOOD.replace("ok-1", "ok-2").replace("points: 1", "points: 0"))
    errors = _errors(folder)
    assert [error.question_id for error in errors] == ["ok-2"]


def test_missing_bank_yaml_and_empty_files(tmp_path):
    (tmp_path / "nobank").mkdir()
    assert "bank.yaml" in _errors(tmp_path / "nobank")[0].message
    folder = _bank(tmp_path, "")
    assert "文件为空" in _errors(folder)[0].message


def test_ids_are_unique_across_banks(tmp_path):
    _bank(tmp_path, "questions:\n" + GOOD, name="one")
    _bank(tmp_path, "questions:\n" + GOOD, name="two")
    (tmp_path / "exams").mkdir()  # not a bank: no bank.yaml
    with pytest.raises(BankLoadError) as info:
        load_banks(tmp_path)
    assert [error.question_id for error in info.value.errors] == ["ok-1"]
    assert "one" in info.value.errors[0].message
