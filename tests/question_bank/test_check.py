"""The check: clauses exist, quotes are word for word, and the summary the issue asks for."""

from lms.question_bank.check import check_banks, clause_texts, run_check
from lms.question_bank.loader import load_bank
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS

from .conftest import DATA

REPO = DATA.parents[2]


def test_sample_bank_passes_and_summary_has_the_required_keys(sample_texts):
    result = run_check(DATA / "quizzes", sample_texts)
    assert result.ok, [str(e) for e in result.errors]
    summary = result.summary()
    assert summary["questions"] == 5
    assert summary["by_type"] == {"single": 1, "multiple": 1, "true_false": 1, "short": 1, "numeric": 1}
    assert len(summary["cells"]) == 15 and summary["cells"]["communication/basic"] == 1
    assert summary["clauses_without_questions"] == ["5.4"]


def test_unknown_clause_and_missing_quote_are_errors(sample_texts):
    bank = load_bank(DATA / "quizzes" / "sample")
    texts = dict(sample_texts, **{"5.1": "产品知识学习体系。考核频率：每月一次。"})
    del texts["2.1"]
    errors = check_banks([bank], texts)
    messages = {error.question_id: error.message for error in errors}
    assert "2.1 在课程内容" in messages["s-2.1-01"]
    assert "找不到" in messages["s-5.1-01"]
    assert all(error.line and error.file.endswith(".yaml") for error in errors)


def test_quotes_match_across_width_script_and_spacing(sample_texts):
    bank = load_bank(DATA / "quizzes" / "sample")
    texts = {clause: text.replace(",", "，").replace("考核", "考覈 ") for clause, text in sample_texts.items()}
    assert check_banks([bank], texts) == []


def test_shipped_bank_meets_the_issue_against_the_real_course():
    result = run_check(REPO / "quizzes", clause_texts(REPO / "content"))
    assert result.ok, "\n".join(str(error) for error in result.errors)
    summary = result.summary()
    assert summary["questions"] >= 150
    assert all(count > 0 for count in summary["by_type"].values())
    assert set(summary["cells"]) == {f"{d}/{lv}" for d in SKILL_DIMENSIONS for lv in SKILL_LEVELS}
    assert min(summary["cells"].values()) >= 5
    assert min(summary["by_clause"].values()) >= 3 and summary["clauses_without_questions"] == []
