"""Each question type on its own: cleaning a submitted answer, grading, the rep's view, the review."""

from decimal import Decimal

import pytest

from lms import question_types
from lms.exams.scoring import Item, grade
from lms.question_types import InvalidAnswer, RepOption

D = Decimal
NUMERIC = {
    "numeric": [{"value": "3", "tolerance": "0", "weight": "100"}, {"value": "3", "tolerance": "1", "weight": "50"}],
    "unit": "分钟",
    "feedback_wrong": "太离谱了",
}
SHORT = {"accepted": [{"text": "*客户*满意*", "weight": "100"}, {"text": "*", "weight": "0"}]}


def _score(qtype, response, answer, partial=False, choices=None):
    item = Item(
        ref=1,
        type=qtype,
        points=D(4),
        chapter="2",
        clause="2.1",
        response=response,
        answer=answer,
        choices=choices or {},
    )
    return grade([item], D(80), partial_credit=partial).score


def test_the_registry_lists_each_type_once_with_its_label_and_templates():
    assert list(question_types.QUESTION_TYPES) == ["single", "multiple", "true_false", "short", "numeric"]
    assert question_types.QUESTION_TYPES["true_false"] == "判断题"
    for kind in question_types.all_types():
        assert question_types.get(kind.key) is kind
        assert kind.take_template == f"question_types/{kind.key}/take.html"
    with pytest.raises(question_types.UnknownType):
        question_types.get("essay")
    assert question_types.find("essay") is None and question_types.label("essay") == "essay"


def test_numeric_partial_credit_counts_only_when_the_exam_allows_it():
    assert _score("numeric", {"text": "3"}, NUMERIC) == D(100)
    assert _score("numeric", {"text": "4"}, NUMERIC) == D(0)
    assert _score("numeric", {"text": "4"}, NUMERIC, partial=True) == D(50)
    assert _score("numeric", {"text": "9"}, NUMERIC, partial=True) == D(0)  # "any other answer" earns nothing


def test_short_wildcards_match_any_characters_after_normalising():
    assert _score("short", {"text": "让客户真正满意"}, SHORT) == D(100)
    assert _score("short", {"text": "讓客戶滿意！"}, SHORT) == D(100)  # 繁體 and trailing characters
    assert _score("short", {"text": "按时交付"}, SHORT, partial=True) == D(0)  # the 0 % catch-all
    literal = {"accepted": [{"text": "季度", "weight": "100"}]}
    assert _score("short", {"text": "每季度"}, literal) == D(0)  # no wildcard, no prefix match


@pytest.mark.parametrize(
    ("qtype", "raw", "options", "expected"),
    [
        ("single", "a", ["a", "b"], ({"choices": ["a"]}, None)),
        ("single", ["a", "b"], ["a", "b"], (None, "这道题只能选一个答案。")),
        ("single", "z", ["a", "b"], (None, "所选选项不属于这道题。")),
        ("multiple", ["b", "a", "b"], ["a", "b", "c"], ({"choices": ["a", "b"]}, None)),
        ("true_false", "", ["true", "false"], (None, None)),
        ("short", "  季度 ", [], ({"text": "季度"}, None)),
        ("short", "字" * 201, [], (None, "答案不能超过 200 个字。")),
        ("short", {"nested": 1}, [], (None, "答案格式无效。")),
        ("numeric", "８４", [], ({"text": "８４"}, None)),
        ("numeric", "八十四", [], (None, "请填写数字，例如 84 或 0.5（不需要写单位）。")),
    ],
)
def test_clean(qtype, raw, options, expected):
    assert question_types.get(qtype).clean(raw, options) == expected


def test_the_reps_view_carries_option_keys_and_texts_only():
    assert [f for f in RepOption.__dataclass_fields__] == ["key", "text"]
    single = question_types.get("single")
    assert single.rep_options({"a": "甲", "b": "乙", "c": "丙"}, ["c", "a", "b"]) == (
        RepOption("c", "丙"),
        RepOption("a", "甲"),
        RepOption("b", "乙"),
    )
    assert single.option_labels(["c", "a", "b"]) == {"c": "A", "a": "B", "b": "C"}  # by place, never by key
    true_false = question_types.get("true_false")
    assert true_false.rep_options({}, ["false", "true"]) == (RepOption("false", "错误"), RepOption("true", "正确"))
    assert true_false.option_labels(["false", "true"]) == {"false": "错误", "true": "正确"}
    assert question_types.get("short").rep_options({"a": "x"}) == ()
    assert question_types.get("numeric").rep_unit(NUMERIC) == "分钟"


def test_the_review_gives_the_right_answer_for_each_type():
    assert question_types.get("multiple").review(["a", "c"], {}).correct_keys == ("a", "c")
    assert question_types.get("true_false").review([], {"truth": False}).correct_keys == ("false",)
    assert question_types.get("numeric").review([], NUMERIC).accepted == ("3", "3 ± 1")
    assert question_types.get("short").review([], SHORT).accepted == ("*客户*满意*", "*")


def test_appeal_answers_must_be_valid_for_the_type():
    assert question_types.get("multiple").accepted_from_text("C，a", ["a", "b", "c"]) == {"choices": ["a", "c"]}
    with pytest.raises(InvalidAnswer, match="可用：false、true"):
        question_types.get("true_false").accepted_from_text("yes", [])
    with pytest.raises(InvalidAnswer, match="请填写数字"):
        question_types.get("numeric").accepted_from_text("三", [])
    assert question_types.get("short").accepted_from_text("每季度", []) == {"text": "每季度"}


def test_item_analysis_keys():
    assert question_types.get("single").analysis_keys(["a", "b"], ["b"], None) == (("b",), ("a", "b"))
    assert question_types.get("true_false").analysis_keys([], [], {"truth": True}) == (("true",), ("true", "false"))
    assert question_types.get("short").analysis_keys([], [], SHORT) == ((), None)


def _choices_of(items):
    problems = []
    parsed = question_types.get("single").parse({"choices": items}, lambda key, message: problems.append(message))
    return [(choice.key, choice.text) for choice in parsed["choices"]], problems


def test_options_take_their_written_key_and_the_rest_the_first_free_letter():
    keys, problems = _choices_of([{"key": "c", "text": "甲", "correct": True}, "乙", {"key": "a", "text": "丙"}])
    assert keys == [("c", "甲"), ("b", "乙"), ("a", "丙")] and problems == []


@pytest.mark.parametrize(
    "items, message",
    [
        ([{"key": "a", "text": "甲", "correct": True}, {"key": "a", "text": "乙"}], "选项 key「a」重复"),
        ([{"key": "A", "text": "甲", "correct": True}, "乙"], "key 应是一个小写字母"),
    ],
)
def test_bad_option_keys_are_reported(items, message):
    _, problems = _choices_of(items)
    assert any(message in problem for problem in problems)
