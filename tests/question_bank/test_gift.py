"""GIFT import (every construct, refusals, errors with lines) and export round trips."""

from dataclasses import replace
from decimal import Decimal

import pytest

from lms.question_bank.gift import BLANK, parse_gift, write_gift
from lms.question_bank.loader import BankLoadError, load_bank, load_banks

from .conftest import DATA

REPO_QUIZZES = DATA.parents[2] / "quizzes"


def _by_name(items):
    return {item.name: item for item in items}


def test_every_construct_of_the_fixture_is_imported():
    items = parse_gift((DATA / "gift" / "all_constructs.gift").read_text(encoding="utf-8"), "all.gift", "imp").questions
    named = _by_name(items)
    assert len(items) == 10
    choice = named["严重投诉"]
    assert choice.category == "$course$/销售规范/投诉"
    assert choice.question.id == "g-choice" and choice.question.tags == ("投诉", "时效")
    assert choice.question.type == "single" and choice.question.text_format == "markdown"
    assert choice.question.stem == "严重投诉应在多长时间内**响应**？"
    assert [c.correct for c in choice.question.choices] == [True, False, False]
    assert choice.question.choices[1].feedback == "这是一般投诉的时效。"
    assert choice.question.explanation == "见 2.1 投诉处理时效标准。"
    multi = named["多选"].question
    assert multi.type == "multiple" and multi.text_format == "html"
    assert [c.weight for c in multi.choices] == [Decimal(50), Decimal(50), Decimal(-100)]
    assert [c.correct for c in multi.choices] == [True, True, False]
    missing = named["缺词"].question
    assert missing.stem == f"销售团队会议应提前 {BLANK} 分钟进入会议室。" and missing.type == "single"
    true_false = named["判断"].question
    assert (true_false.type, true_false.truth, true_false.text_format) == ("true_false", True, "plain")
    assert true_false.feedback_wrong.startswith("再读") and true_false.feedback_right == "对，含 80 分。"
    assert true_false.explanation == "5.1(4)"
    assert named["判断2"].question.truth is False
    short = named["简答"].question
    assert short.type == "short" and named["简答"].category.endswith("数值")
    assert [(a.text, a.weight) for a in short.accepted] == [("季度", 100), ("三个月", 50), ("每季度", 100)]
    assert short.accepted[1].feedback == "意思对"
    tolerance = named["误差"].question.numeric[0]
    assert (tolerance.value, tolerance.tolerance) == (15, Decimal("0.5"))
    span = named["区间"].question
    assert (span.numeric[0].value, span.numeric[0].tolerance, span.explanation) == (4, 1, "建议 3-5 分钟")
    several = named["多个数值"].question.numeric
    assert [(a.value, a.tolerance, a.weight, a.feedback) for a in several] == [
        (70, 0, 100, "正确"),
        (69, 1, 50, "接近"),
    ]
    escaped = named["转义 a:b"].question
    assert escaped.id.startswith("imp-") and escaped.stem == "公式 1 + 1 = 2 ~ 约等 # 号 {括号}\n第二行"


def test_a_syntax_error_refuses_the_file_naming_file_and_line():
    with pytest.raises(BankLoadError) as info:
        parse_gift((DATA / "gift" / "unclosed.gift").read_text(encoding="utf-8"), "unclosed.gift")
    error = info.value.errors[0]
    assert "没有闭合" in error.message and error.line == 3 and error.file == "unclosed.gift"
    assert len(info.value.errors) == 1  # the good questions around it are fine, but nothing is returned


@pytest.mark.parametrize(
    ("fixture", "kind", "label"), [("matching.gift", "matching", "匹配题"), ("essay.gift", "essay", "问答题")]
)
def test_unsupported_types_are_skipped_with_line_and_type_or_refused_when_strict(fixture, kind, label):
    text = (DATA / "gift" / fixture).read_text(encoding="utf-8")
    result = parse_gift(text, fixture)
    assert result.questions == [] and [(s.line, s.kind, s.file) for s in result.skipped] == [(1, kind, fixture)]
    assert label in str(result.skipped[0])
    with pytest.raises(BankLoadError) as info:
        parse_gift(text, fixture, strict=True)
    assert [(e.line, e.file) for e in info.value.errors] == [(1, fixture)] and label in info.value.errors[0].message


def test_description_without_answers_is_skipped_or_refused_when_strict():
    assert [s.kind for s in parse_gift("只是一段说明文字。\n").skipped] == ["description"]
    with pytest.raises(BankLoadError, match="描述题"):
        parse_gift("只是一段说明文字。\n", strict=True)


def test_sample_bank_round_trips_through_gift():
    bank = load_bank(DATA / "quizzes" / "sample")
    back = parse_gift(write_gift([("sample/all", bank.questions)])).questions
    assert [item.question for item in back] == list(bank.questions)
    assert all(item.category == "sample/all" for item in back)


def test_shipped_bank_export_imports_back_to_the_same_questions():
    banks = load_banks(REPO_QUIZZES)
    questions = [question for bank in banks for question in bank.questions]
    text = write_gift([("guide", questions)])
    assert text.count("\n::") == len(questions)  # one ::name:: line per question
    # GIFT has no option keys: a re-import keys options by place (a, b, c …), so compare on that footing.
    by_place = [
        replace(
            question,
            choices=tuple(replace(choice, key=chr(ord("a") + place)) for place, choice in enumerate(question.choices)),
        )
        for question in questions
    ]
    assert [item.question for item in parse_gift(text).questions] == by_place
