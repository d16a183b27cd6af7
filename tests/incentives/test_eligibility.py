"""Eligibility explained, rule by rule, from current ledger facts only."""

from datetime import date, datetime
from pathlib import Path

import pytest

import lms.clock
from lms.extensions import db as _db
from lms.incentives.eligibility import eligibility_of
from lms.incentives.loader import load_rules
from lms.incentives.periods import parse_period
from lms.models import FactKind, User

CONTENT = Path(__file__).resolve().parents[2] / "content"
TODAY = date(2026, 12, 1)


@pytest.fixture
def rules():
    return load_rules(CONTENT)


@pytest.fixture
def explain(app, rules):
    """explain(person, period, as_of): the eligibility, read in a context of its own (as a request would)."""

    def run(person, period="2026-Q3", as_of=TODAY):
        with app.app_context():
            return eligibility_of(_db.session.get(User, person.id), rules, parse_period(period), as_of)

    return run


def test_a_s_a_meets_three_consecutive_quarters_with_its_evidence(make_user, add_grade, explain):
    rep = make_user()
    seqs = [
        add_grade(rep.id, quarter, grade) for quarter, grade in (("2026-Q1", "A"), ("2026-Q2", "S"), ("2026-Q3", "A"))
    ]
    result = explain(rep).result("three_quarters_a")
    assert result.met
    assert [fact.seq for fact in result.outcome.evidence] == seqs
    assert result.outcome.detail == "2026-Q1 A、Q2 S、Q3 A：连续 ≥A 3 个季度"
    assert result.outcome.missing is None


def test_a_s_b_says_what_is_missing_in_plain_chinese(make_user, add_grade, explain):
    rep = make_user()
    for quarter, grade in (("2026-Q1", "A"), ("2026-Q2", "S"), ("2026-Q3", "B")):
        add_grade(rep.id, quarter, grade)
    result = explain(rep).result("three_quarters_a")
    assert not result.met and result.one_step_away
    assert result.outcome.missing == "2026-Q1 A、Q2 S、Q3 B：连续 ≥A 最长 2 个季度，还差 1 个"
    assert len(result.outcome.considered) == 3 and result.outcome.evidence == ()


def test_a_quarter_without_a_grade_and_the_year_boundary(make_user, add_grade, explain):
    rep = make_user()
    add_grade(rep.id, "2025-Q4", "A")
    add_grade(rep.id, "2026-Q1", "A")
    result = explain(rep, "2026-Q2").result("three_quarters_a")
    assert result.outcome.missing == "2025-Q4 A、2026-Q1 A、Q2 无：连续 ≥A 最长 2 个季度，还差 1 个"


def test_a_corrected_grade_counts_as_corrected(make_user, add_grade, explain):
    rep = make_user()
    add_grade(rep.id, "2026-Q1", "A")
    add_grade(rep.id, "2026-Q2", "S")
    first = add_grade(rep.id, "2026-Q3", "B", source="performance_grade:77")
    assert not explain(rep).result("three_quarters_a").met
    corrected = add_grade(rep.id, "2026-Q3", "A", source="performance_grade:77", supersedes=first, reason="申诉成立")
    result = explain(rep).result("three_quarters_a")
    assert result.met and corrected in [fact.seq for fact in result.outcome.evidence]
    assert first not in [fact.seq for fact in result.outcome.considered]


def test_as_of_a_past_day_the_record_reads_as_it_stood(make_user, add_grade, explain, monkeypatch):
    rep = make_user()
    monkeypatch.setattr(lms.clock, "now", lambda: datetime(2026, 10, 10, 2, 0))
    add_grade(rep.id, "2026-Q1", "A")
    add_grade(rep.id, "2026-Q2", "A")
    first = add_grade(rep.id, "2026-Q3", "A", source="performance_grade:88")
    monkeypatch.setattr(lms.clock, "now", lambda: datetime(2026, 11, 20, 2, 0))
    add_grade(rep.id, "2026-Q3", "B", source="performance_grade:88", supersedes=first, reason="复核")
    assert explain(rep, as_of=date(2026, 10, 10)).result("three_quarters_a").met
    assert not explain(rep, as_of=date(2026, 11, 20)).result("three_quarters_a").met
    # Before anything was recorded: nothing at all.
    assert not explain(rep, as_of=date(2026, 10, 9)).result("three_quarters_a").outcome.considered


def test_kpi_rate_in_a_month_quarter_or_year_of_the_period(make_user, add_grade, explain):
    rep = make_user()
    add_grade(rep.id, "2026-Q3", "B", kpi_rate="112.5")
    result = explain(rep).result("kpi_rate_120")
    assert result.outcome.missing == "2026-Q3 内最好的KPI达成率为 112.5%（2026-Q3），须 ≥ 120%，还差 7.5 个百分点"
    add_grade(rep.id, "2026-08", None, kpi_rate="125")
    assert explain(rep).result("kpi_rate_120").outcome.detail == "2026-08 KPI达成率 125%"
    # A month of another quarter is outside 2026-Q3, and inside the year 2026.
    other = make_user()
    add_grade(other.id, "2026-02", None, kpi_rate="130")
    assert not explain(other).result("kpi_rate_120").met
    assert explain(other, "2026").result("kpi_rate_120").met
    assert explain(make_user()).result("kpi_rate_120").outcome.missing == "2026-Q3 内没有月度/季度/年度KPI达成率记录"


def test_annual_grade_and_satisfaction(make_user, add_grade, explain):
    rep = make_user()
    add_grade(rep.id, "2026", "A", satisfaction="8")
    eligibility = explain(rep, "2026")
    assert eligibility.result("annual_grade_s_a").met
    assert eligibility.result("satisfaction_top_10").met
    add_grade(rep.id, "2025", "B")
    last_year = explain(rep, "2025-Q4").result("annual_grade_s_a")
    assert last_year.outcome.missing == "2025 年内的年度绩效等级为 2025 B，须为 S/A"


def test_suggestion_award_and_certificate(make_user, add_fact, explain):
    rep = make_user()
    assert explain(rep).result("suggestion_adopted").outcome.missing == "2026-Q3 内没有被采纳的销售流程优化建议"
    add_fact(
        FactKind.SUGGESTION_ADOPTED,
        rep.id,
        {"suggestion_id": 5, "title": "报价单模板统一", "clause": "3.2", "decided_by": 9, "reason": "可行"},
        occurred_at=datetime(2026, 8, 3, 2, 0),
    )
    eligibility = explain(rep)
    assert eligibility.result("suggestion_adopted").met
    assert eligibility.result("suggestion_adopted").outcome.detail == "报价单模板统一"
    assert not explain(rep, "2026-Q4").result("suggestion_adopted").met
    # An award other than 最佳新人 does not count for that rule.
    add_fact(
        FactKind.AWARD,
        rep.id,
        {
            "award": "quarter_top_sales",
            "title": "季度销冠",
            "period": "2026-Q3",
            "citation": "",
            "awarded_on": "2026-10-08",
        },
    )
    assert not explain(rep).result("best_newcomer").met
    add_fact(
        FactKind.AWARD,
        rep.id,
        {
            "award": "best_newcomer",
            "title": "年度最佳新人",
            "period": "2026",
            "citation": "成长最快",
            "awarded_on": "2026-12-01",
        },
    )
    assert explain(rep).result("best_newcomer").met
    issued = add_fact(
        FactKind.SKILL_CERTIFICATE,
        rep.id,
        {"event": "issued", "number": "C-1", "achievement": "高级销售技能认证", "issued_on": "2025-05-01", "cells": {}},
        source="certificate:1",
    )
    assert explain(rep).result("advanced_certificate").met
    add_fact(
        FactKind.SKILL_CERTIFICATE,
        rep.id,
        {
            "event": "revoked",
            "number": "C-1",
            "achievement": "高级销售技能认证",
            "issued_on": "2025-05-01",
            "cells": {},
            "reason": "误发",
        },
        source="certificate:1",
        supersedes=issued,
    )
    assert not explain(rep).result("advanced_certificate").met


def test_another_person_s_facts_never_count(make_user, add_grade, explain):
    rep, other = make_user(), make_user()
    for quarter in ("2026-Q1", "2026-Q2", "2026-Q3"):
        add_grade(other.id, quarter, "S")
    assert not explain(rep).qualifies
    assert explain(other).qualifies
