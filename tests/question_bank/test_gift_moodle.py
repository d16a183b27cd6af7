"""GIFT files as Moodle exports them: unsupported types skipped (or refused with --strict), numeric
feedback and partial credit, %50% and * short answers, names kept, syntax errors refused with their line."""

from dataclasses import replace
from decimal import Decimal

import pytest
import yaml

from lms.question_bank.gift import parse_gift, write_gift
from lms.question_bank.loader import BankLoadError, dump_bank_file, dump_bank_meta, load_bank

from .conftest import DATA

MOODLE = DATA / "gift" / "moodle_export.gift"
D = Decimal


@pytest.fixture
def moodle():
    return parse_gift(MOODLE.read_text(encoding="utf-8"), "moodle_export.gift", "moodle")


def _named(result):
    return {item.name: item.question for item in result.questions}


def test_supported_questions_import_and_each_unsupported_one_is_listed_with_line_and_type(moodle):
    assert len(moodle.questions) == 8
    assert [(s.line, s.kind, s.name) for s in moodle.skipped] == [
        (5, "description", "说明"),
        (16, "essay", "复盘总结"),
        (19, "matching", "时效配对"),
        (39, "cloze", "会议两空"),
        (54, "cloze", "嵌入式完形"),
    ]
    assert str(moodle.skipped[2]) == "moodle_export.gift:19: 匹配题（matching）「时效配对」"


def test_strict_refuses_the_file_naming_every_unsupported_question(moodle):
    with pytest.raises(BankLoadError) as info:
        parse_gift(MOODLE.read_text(encoding="utf-8"), "moodle_export.gift", strict=True)
    assert [(e.line, e.question_id) for e in info.value.errors] == [
        (5, "说明"),
        (16, "复盘总结"),
        (19, "时效配对"),
        (39, "会议两空"),
        (54, "嵌入式完形"),
    ]
    assert all("--strict" in e.message for e in info.value.errors)


def test_numeric_with_feedback_for_any_other_answer(moodle):
    visits = _named(moodle)["客户拜访数"]
    assert visits.type == "numeric" and [(a.value, a.tolerance, a.weight) for a in visits.numeric] == [(3, 2, 100)]
    assert visits.feedback_wrong == "太离谱了"
    kpi = _named(moodle)["KPI 占比"]
    assert [(a.value, a.tolerance, a.weight, a.feedback) for a in kpi.numeric] == [
        (70, 0, 100, "正确"),
        (70, 5, 50, "接近"),
    ]
    assert kpi.feedback_wrong == "差得远，请重读 7.1。"


def test_several_numeric_answers_with_partial_credit(moodle):
    early = _named(moodle)["提前到达"]
    assert [(a.value, a.tolerance, a.weight) for a in early.numeric] == [(3, 0, 100), (3, 1, 50)]


def test_percent_and_wildcard_short_answers(moodle):
    frequency = _named(moodle)["考核频率"]
    assert [(a.text, a.weight, a.feedback) for a in frequency.accepted] == [("季度", 100, ""), ("三个月", 50, "意思对")]
    assert frequency.text_format == "plain"
    core = _named(moodle)["服务核心"]
    assert [(a.text, a.weight, a.feedback) for a in core.accepted] == [
        ("*客户*满意*", 100, "对"),
        ("*", 0, "再读 2.1。"),
    ]


def test_names_are_kept_and_moodle_id_numbers_used(moodle):
    named = _named(moodle)
    assert named["严重投诉时效"].id == "m-2.1-01" and named["严重投诉时效"].name == "严重投诉时效"
    assert named["判断 迟到"].id == "moodle-12" and named["判断 迟到"].name == "判断 迟到"
    choice = named["严重投诉时效"]
    assert [(c.correct, c.weight) for c in choice.choices] == [(True, 100), (False, 0), (False, 50)]
    assert named["复盘步骤"].type == "multiple" and named["判断 迟到"].truth is False


def test_a_syntax_error_still_refuses_the_file_naming_the_line():
    with pytest.raises(BankLoadError) as info:
        parse_gift((DATA / "gift" / "moodle_broken.gift").read_text(encoding="utf-8"), "moodle_broken.gift")
    assert [(e.file, e.line, e.question_id) for e in info.value.errors] == [("moodle_broken.gift", 8, "坏数值")]
    assert "七十" in info.value.errors[0].message


@pytest.mark.parametrize(
    "text",
    [
        "::a::问题 {=对 ~错",
        "::a::问题 {=对 ~错}}",
        "::a::问题 } {=对 ~错}",
        "::a 问题 {T}",
        "::a::问题 {#3:2 ~%50%3:5}",
        "::a::问题 {%50%对}",
    ],
)
def test_malformed_blocks_are_errors_not_skips(text):
    with pytest.raises(BankLoadError):
        parse_gift(text)


def test_moodle_questions_survive_yaml_and_gift_round_trips(moodle, tmp_path):
    questions = [item.question for item in moodle.questions]
    text = dump_bank_file("导入", questions)
    data = yaml.safe_load(text)["questions"]
    assert data[0]["name"] == "严重投诉时效"
    assert [q["feedback"] for q in data if q["type"] == "numeric" and "feedback" in q] == [
        {"wrong": "太离谱了"},
        {"wrong": "差得远，请重读 7.1。"},
    ]
    back = parse_gift(write_gift([("导入", questions)])).questions
    assert [item.question for item in back] == questions
    assert [item.name for item in back] == [q.name for q in questions]


def test_an_imported_file_once_filled_in_loads_back_to_the_same_questions(moodle, tmp_path):
    # Filled in as a reviewer would (clause, quote, explanation); everything else as imported.
    questions = [
        replace(item.question, clause="2.1", quote="投诉", explanation="见 2.1。") for item in moodle.questions
    ]
    folder = tmp_path / "moodle"
    folder.mkdir()
    (folder / "bank.yaml").write_text(dump_bank_meta("导入", ""), encoding="utf-8")
    (folder / "all.yaml").write_text(dump_bank_file("导入", questions), encoding="utf-8")
    loaded = load_bank(folder).questions
    assert list(loaded) == questions
    core = next(q for q in loaded if q.name == "服务核心")
    assert [a.weight for a in core.accepted] == [D(100), D(0)]  # a 0 % answer once read back as 100 %
