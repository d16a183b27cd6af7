"""The answer-distribution check (issue 12): a bank whose right answers cluster fails `lms quizzes check`."""

import json
from fractions import Fraction

import pytest

from lms.question_bank.check import (
    DISTRIBUTION_MIN_QUESTIONS,
    answer_distribution,
    clause_texts,
    distribution_errors,
    run_check,
)
from lms.question_bank.loader import load_bank

from .conftest import DATA

REPO = DATA.parents[2]
QUOTE = "考核频率：每季度一次"  # in the sample texts' clause 5.1


def _single(qid: str, right: int, options: int = 4, longer: str = "") -> str:
    choices = ", ".join(
        f'{{text: "选项{n}{longer}", correct: true}}' if n == right else f'"选项{n}"' for n in range(options)
    )
    return (
        f'  - {{id: {qid}, type: single, points: 1, clause: "5.1", stem: "题{qid}", quote: "{QUOTE}",'
        f' explanation: "解析", choices: [{choices}]}}\n'
    )


def _multiple(qid: str, right: str, options: int = 4) -> str:
    choices = ", ".join(
        f'{{text: "选项{k}", correct: true}}' if k in right else f'"选项{k}"' for k in "abcde"[:options]
    )
    return (
        f'  - {{id: {qid}, type: multiple, points: 1, clause: "5.1", stem: "题{qid}", quote: "{QUOTE}",'
        f' explanation: "解析", choices: [{choices}]}}\n'
    )


def _true_false(qid: str, truth: bool) -> str:
    return (
        f'  - {{id: {qid}, type: true_false, points: 1, clause: "5.1", stem: "题{qid}", quote: "{QUOTE}",'
        f' explanation: "解析", answer: {str(truth).lower()}}}\n'
    )


def _bank(root, name="skewed", single=(), single_options=4, multiple=(), truths=(), longer=()):
    """Write bank `name` under `root`: single-choice right positions (0-based), multiple-choice sets, truths."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "bank.yaml").write_text(f"title: {name}\n", encoding="utf-8")
    body = "".join(
        _single(f"{name}-s{i}", right, single_options, "（更具体）" if i in longer else "")
        for i, right in enumerate(single)
    )
    body += "".join(_multiple(f"{name}-m{i}", right) for i, right in enumerate(multiple))
    body += "".join(_true_false(f"{name}-t{i}", truth) for i, truth in enumerate(truths))
    (folder / "questions.yaml").write_text("title: 题目\nquestions:\n" + body, encoding="utf-8")
    return load_bank(folder)


BALANCED_SETS = ["ab", "cd", "ad", "bc", "abc", "bcd", "acd", "abd", "a", "d"]


def test_a_bank_answering_a_is_flagged_with_its_share(tmp_path):
    bank = _bank(tmp_path, single=[0] * 9 + [1] * 3)
    [error] = distribution_errors([bank])
    assert "单选题的正确答案集中在选项 a：9/12 题（75%），超过上限 40%" in str(error)
    assert error.file == str(tmp_path / "skewed") and error.line is None


def test_over_40_percent_on_one_position_is_flagged_and_40_is_not(tmp_path):
    at_limit = _bank(tmp_path, "limit", single=[2, 2, 2, 2, 0, 0, 1, 1, 3, 3])  # c 4/10
    over = _bank(tmp_path, "over", single=[2, 2, 2, 2, 2, 0, 1, 1, 3, 3])  # c 5/10
    assert distribution_errors([at_limit]) == []
    assert "选项 c：5/10 题（50%）" in str(distribution_errors([over])[0])


def test_two_option_questions_are_judged_against_their_fair_share(tmp_path):
    fair = _bank(tmp_path, "fair", single=[0] * 6 + [1] * 4, single_options=2)  # a 60 %: fair 50 % + 15
    skewed = _bank(tmp_path, "skewed", single=[0] * 7 + [1] * 3, single_options=2)
    assert distribution_errors([fair]) == []
    assert "选项 a：7/10 题（70%），超过上限 65%" in str(distribution_errors([skewed])[0])


def test_a_bank_whose_right_option_is_the_longest_is_flagged(tmp_path):
    spread = [0, 1, 2, 3] * 3
    # k of 12 right options longer, the rest tied: "pick the longest" expects k + (12 - k) / 4 right.
    fair = _bank(tmp_path, "fair", single=spread, longer=range(2))
    skewed = _bank(tmp_path, "skewed", single=spread, longer=range(3))
    assert answer_distribution(fair).longest == Fraction(9, 2) and distribution_errors([fair]) == []  # 37.5 %
    [error] = distribution_errors([skewed])
    assert "只选最长的选项能答对 43.8%，超过上限 40%" in str(error)


def test_one_exact_set_of_multiple_choice_answers_over_40_percent_is_flagged(tmp_path):
    bank = _bank(tmp_path, multiple=["abc"] * 5 + ["ab", "cd", "a", "bd", "acd"])
    [error] = distribution_errors([bank])
    assert "多选题的正确选项组合集中：{a,b,c} 出现在 5/10 题（50%），超过上限 40%" in str(error)
    assert answer_distribution(bank).multiple_sizes == {1: 1, 2: 3, 3: 6}


@pytest.mark.parametrize(("trues", "flagged"), [(7, "7/10 题（70%）"), (3, "3/10 题（30%）"), (4, None), (6, None)])
def test_true_false_outside_35_to_65_percent_true_is_flagged(tmp_path, trues, flagged):
    errors = distribution_errors([_bank(tmp_path, truths=[True] * trues + [False] * (10 - trues))])
    if flagged:
        assert [f"判断题中答案为“对”的占 {flagged}，应在 35%–65% 之间" in str(error) for error in errors] == [True]
    else:
        assert errors == []


def test_a_balanced_bank_passes_and_its_shares_are_reported(tmp_path):
    bank = _bank(tmp_path, "balanced", single=[0, 1, 2, 3] * 3, multiple=BALANCED_SETS, truths=[True, False] * 5)
    distribution = answer_distribution(bank)
    assert distribution_errors([bank]) == [] and distribution.problems() == []
    assert distribution.single == {"a": 3, "b": 3, "c": 3, "d": 3}
    assert distribution.describe() == (
        "题库 balanced 正确答案分布：单选 a 25%、b 25%、c 25%、d 25%，只选最长的选项答对 25%（12 题）；"
        "多选 10 种组合，最多的 {a,b} 占 10%，正确项 1 个 2 题、2 个 4 题、3 个 4 题（10 题）；"
        "判断 “对” 50%（5/10 题）"
    )


def test_too_few_questions_of_a_type_are_reported_but_not_judged(tmp_path):
    few = DISTRIBUTION_MIN_QUESTIONS - 1
    bank = _bank(tmp_path, single=[0] * few, multiple=["ab"] * few, truths=[True] * few)
    assert distribution_errors([bank]) == []
    assert answer_distribution(bank).as_dict()["single"]["positions"]["a"] == {"count": few, "share": 1.0}


def test_a_skewed_bank_fails_the_whole_check(tmp_path, sample_texts):
    quizzes = tmp_path / "quizzes"
    _bank(quizzes, truths=[True] * 10)
    result = run_check(quizzes, sample_texts)
    assert not result.ok
    assert result.summary()["answer_distribution"]["skewed"]["true_false"] == {
        "questions": 10,
        "true": 10,
        "false": 0,
        "true_share": 1.0,
    }


def test_check_command_exits_1_on_a_skewed_bank_and_prints_the_share(bank_runner, quizzes_dir):
    _bank(quizzes_dir, single=[0] * 10)
    result = bank_runner.invoke(args=["quizzes", "check"])
    assert result.exit_code == 1
    assert "题库 skewed：单选题的正确答案集中在选项 a：10/10 题（100%），超过上限 40%" in result.output
    assert "题库 skewed 正确答案分布：单选 a 100%、b 0%、c 0%、d 0%，只选最长的选项答对 25%（10 题）" in result.stdout
    result = bank_runner.invoke(args=["quizzes", "check", "--json"])
    summary = json.loads(result.stdout)
    assert result.exit_code == 1 and summary["ok"] is False
    assert summary["answer_distribution"]["skewed"]["single"]["positions"]["a"] == {"count": 10, "share": 1.0}


def test_the_shipped_guide_bank_keeps_its_answers_spread():
    result = run_check(REPO / "quizzes", clause_texts(REPO / "content"))
    assert result.ok, "\n".join(str(error) for error in result.errors)
    guide = result.summary()["answer_distribution"]["guide"]
    assert guide["problems"] == []
    assert max(position["share"] for position in guide["single"]["positions"].values()) <= 0.30
    assert guide["single"]["longest_option_right"] <= 0.30
    assert max(found["share"] for found in guide["multiple"]["sets"].values()) <= 0.20
    assert len(guide["multiple"]["sizes"]) >= 3
    assert 0.4 <= guide["true_false"]["true_share"] <= 0.6
