"""The rules file: the shipped one loads and quotes 7.3.1; broken ones are named with file and line."""

import subprocess
import sys
from pathlib import Path

import pytest

from lms.incentives.check import check_incentives_file, clause_texts_with_subclauses, known_fact_kinds
from lms.incentives.loader import RuleLoadError, check_rules, load_rules, parse_rules
from lms.incentives.predicates import Consecutive, FactExists, GradeIn, Threshold

CONTENT = Path(__file__).resolve().parents[2] / "content"
SHIPPED = (CONTENT / "incentives.yaml").read_text(encoding="utf-8")


def test_the_shipped_rules_cite_7_3_1_with_three_types_and_their_rewards():
    rules = load_rules(CONTENT, clause_texts_with_subclauses(CONTENT), known_fact_kinds())
    assert rules.clause == "7.3.1"
    assert [kind.label for kind in rules.types] == ["物质奖励", "精神奖励", "发展激励"]
    assert [len(kind.rules) for kind in rules.types] == [2, 3, 2]
    assert "晋升销售主管/区域经理资格" in rules.types[2].rewards
    kinds = {rule.key: type(rule.predicate) for rule in rules.rules}
    assert kinds == {
        "kpi_rate_120": Threshold,
        "annual_grade_s_a": GradeIn,
        "suggestion_adopted": FactExists,
        "satisfaction_top_10": Threshold,
        "best_newcomer": FactExists,
        "three_quarters_a": Consecutive,
        "advanced_certificate": FactExists,
    }
    assert rules.rule("three_quarters_a").describe() == "截至评估期间的最近连续 3 个季度，每季绩效等级均 ≥A"


def test_content_check_reports_the_rules(runner):
    result = runner.invoke(args=["content", "check", str(CONTENT)])
    assert result.exit_code == 0, result.output
    assert "激励规则（7.3.1）：3 类奖励，7 条适用场景" in result.output


def _problems(text: str) -> list[str]:
    with pytest.raises(RuleLoadError) as caught:
        rules = parse_rules(text, "incentives.yaml")
        problems = check_rules(rules, clause_texts_with_subclauses(CONTENT), known_fact_kinds())
        if problems:
            raise RuleLoadError(problems)
    return [str(error) for error in caught.value.errors]


def _line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_a_quote_not_in_the_guide_is_named_with_its_line():
    text = SHIPPED.replace("quote: 连续3个季度绩效等级≥A", "quote: 连续2个季度绩效等级≥A")
    line = _line_of(text, "连续2个季度")
    assert _problems(text) == [
        f"incentives.yaml:{line}: 引文「连续2个季度绩效等级≥A」在条款 7.3.1 的课文中找不到（须逐字引用）"
    ]


def test_a_reward_not_in_the_guide_is_named():
    text = SHIPPED.replace("- 外部高端培训名额", "- 带薪年假十天")
    assert _problems(text) == [
        f"incentives.yaml:{_line_of(text, '带薪年假')}: 引文「带薪年假十天」在条款 7.3.1 的课文中找不到（须逐字引用）"
    ]


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("kind: consecutive", "kind: streak", "kind: streak", "未知的判断方式 kind 'streak'"),
        ("count: 3", "count: 1", "count: 1", "count 应是 2–12 的整数"),
        ("at_least: 120", "at_least: 很多", "at_least: 很多", "at_least 应是数字"),
        (
            "grades: [S, A]\n          period_kinds",
            "grades: [S, X]\n          period_kinds",
            "grades: [S, X]",
            "grades 应是",
        ),
        ("window: any", "window: forever", "window: forever", "window 应是 period、year、any 之一"),
        (
            "fact: suggestion_adopted",
            "fact: suggestion_made",
            "key: suggestion_adopted",
            "未知的档案记录类型 suggestion_made",
        ),
        ("key: best_newcomer", "key: kpi_rate_120", "key: kpi_rate_120\n", "规则 key「kpi_rate_120」重复"),
        (
            "          window: period\n      - key: annual",
            "          window: period\n          colour: red\n      - key: annual",
            "colour: red",
            "判断方式 threshold 中未知的键「colour」",
        ),
    ],
)
def test_broken_rules_are_named_with_file_and_line(old, new, needle, message):
    assert old in SHIPPED
    text = SHIPPED.replace(old, new, 1)
    problems = _problems(text)
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if needle.strip() in line]
    assert any(message in problem and problem.startswith(f"incentives.yaml:{lines[-1]}:") for problem in problems), (
        problems
    )


def test_malformed_yaml_and_a_missing_file(tmp_path):
    assert _problems("types: [\n")[0].startswith("incentives.yaml:")
    with pytest.raises(RuleLoadError, match="找不到激励规则文件"):
        load_rules(tmp_path / "incentives.yaml")


def test_content_check_fails_on_a_broken_rules_file(tmp_path, runner):
    import shutil

    shutil.copytree(CONTENT, tmp_path / "content", ignore=shutil.ignore_patterns("source"))
    broken = SHIPPED.replace("count: 3", "count: zero")
    (tmp_path / "content" / "incentives.yaml").write_text(broken, encoding="utf-8")
    result = check_incentives_file(tmp_path / "content")
    assert result.problems and "count 应是" in result.problems[0]
    outcome = runner.invoke(args=["content", "check", str(tmp_path / "content")])
    assert outcome.exit_code != 0
    assert "激励规则校验未通过：1 处错误" in outcome.output


def test_the_hash_is_the_text_s():
    assert parse_rules(SHIPPED).hash == parse_rules(SHIPPED).hash
    assert parse_rules(SHIPPED + "\n# 备注\n").hash != parse_rules(SHIPPED).hash


@pytest.mark.parametrize("module", ["lms.incentives.loader", "lms.incentives.predicates", "lms.incentives.periods"])
def test_the_rules_modules_are_pure(module):
    probe = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')"
    probe += " or m == 'lms.extensions'))"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert found == "[]"
