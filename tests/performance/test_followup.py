"""7.4 follow-up: the 面谈 within 3 working days, appeals within 5 decided within 10, PIPs, consecutive D."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from lms import clock
from lms.extensions import db as _db
from lms.models import GradeAppeal, ImprovementPlan, PerformanceGrade, RecordEntry, User
from lms.performance import followup

from .conftest import csv_bytes


def _grade(user) -> PerformanceGrade:
    return _db.session.scalars(select(PerformanceGrade).where(PerformanceGrade.user_id == user.id)).one()


def _user(user) -> User:
    return _db.session.get(User, user.id)


@pytest.fixture
def published(db, org, frozen_now, import_grades):
    """rep1 graded A, rep2 graded C for 2026-Q3, published Wednesday 2026-10-14 (Beijing)."""
    import_grades(
        csv_bytes([["S001", "2026-Q3", "85", "A", "", ""], ["S002", "2026-Q3", "65", "C", "", ""]]), actor=org["hr"]
    )
    return {"rep1": _grade(org["rep1"]), "rep2": _grade(org["rep2"])}


def test_the_review_is_due_three_working_days_after_publication_and_a_later_one_is_flagged(published, org, frozen_now):
    grade = published["rep1"]
    assert followup.review_due(grade) == date(2026, 10, 19)  # Wed → Thu, Fri, Mon
    frozen_now(datetime(2026, 10, 19, 9, 0))
    review = followup.record_review(
        grade, _user(org["manager"]), date(2026, 10, 19), "每周复盘两个客户拜访", clock.now()
    )
    assert (review.late, review.due_on) == (False, date(2026, 10, 19))
    frozen_now(datetime(2026, 10, 21, 2, 0))
    late = followup.record_review(
        published["rep2"], _user(org["manager"]), date(2026, 10, 20), "按 PIP 每周辅导", clock.now()
    )
    assert late.late is True
    _db.session.commit()
    assert followup.review_state(grade, review, clock.today()) == ("done", date(2026, 10, 19))
    assert followup.review_state(published["rep2"], late, clock.today())[0] == "late"


def test_only_the_persons_manager_records_the_review_and_the_plan_is_required(published, org, frozen_now):
    grade = published["rep1"]
    for someone in ("other_manager", "hr", "rep1"):
        with pytest.raises(followup.FollowUpError, match="直属主管"):
            followup.record_review(grade, _user(org[someone]), date(2026, 10, 14), "改进计划内容", clock.now())
    with pytest.raises(followup.FollowUpError, match="改进计划"):
        followup.record_review(grade, _user(org["manager"]), date(2026, 10, 14), "  ", clock.now())
    with pytest.raises(followup.FollowUpError, match="面谈日期"):
        followup.record_review(grade, _user(org["manager"]), date(2026, 10, 15), "改进计划内容", clock.now())


def test_an_overdue_review_without_a_record_is_flagged_in_the_list(published, org, frozen_now):
    frozen_now(datetime(2026, 10, 20, 2, 0))
    stmt = followup.grades_for_review(User.manager_id == org["manager"].id)
    states = {
        grade.user_id: followup.review_state(grade, grade.review, clock.today())[0]
        for grade in _db.session.scalars(stmt)
    }
    assert states == {org["rep1"].id: "overdue", org["rep2"].id: "overdue"}


def test_an_appeal_within_five_working_days_accepted_corrects_the_grade_with_a_superseding_fact(
    published, org, frozen_now
):
    grade = published["rep1"]
    assert followup.appeal_deadline(grade) == date(2026, 10, 21)
    frozen_now(datetime(2026, 10, 21, 15, 0))  # 23:00 Beijing on the last day
    appeal = followup.file_appeal(grade, _user(org["rep1"]), "客户满意度数据漏计了九月的回访", clock.now())
    assert appeal.decide_by == date(2026, 11, 4)
    _db.session.commit()
    frozen_now(datetime(2026, 11, 5, 2, 0))  # one working day late
    correction = followup.Correction(score="90", grade="")
    followup.decide_appeal(appeal, _user(org["hr"]), "accepted", "核实后更正", clock.now(), correction)
    _db.session.commit()
    assert appeal.decided_late is True
    assert (grade.score, grade.grade) == (90, "S")
    facts = list(_db.session.scalars(select(RecordEntry).where(RecordEntry.source == f"performance_grade:{grade.id}")))
    assert len(facts) == 2 and facts[1].supersedes_seq == facts[0].seq and facts[1].recorded_by_id == org["hr"].id
    assert json.loads(facts[1].payload)["reason"] == f"申诉 #{appeal.id} 受理：核实后更正"
    assert json.loads(facts[1].payload)["grade"] == "S"


def test_a_late_appeal_a_second_one_and_someone_elses_are_refused(published, org, frozen_now):
    grade = published["rep1"]
    with pytest.raises(followup.FollowUpError, match="只能对自己的"):
        followup.file_appeal(grade, _user(org["rep2"]), "理由写得足够长", clock.now())
    frozen_now(datetime(2026, 10, 21, 16, 1))  # 00:01 on 10-22 in Beijing
    with pytest.raises(followup.FollowUpError, match="申诉期已过.*2026-10-21"):
        followup.file_appeal(grade, _user(org["rep1"]), "理由写得足够长", clock.now())
    frozen_now(datetime(2026, 10, 15, 2, 0))
    followup.file_appeal(grade, _user(org["rep1"]), "理由写得足够长", clock.now())
    with pytest.raises(followup.FollowUpError, match="已对这个等级提出过申诉"):
        followup.file_appeal(grade, _user(org["rep1"]), "理由写得足够长", clock.now())


def test_a_rejected_appeal_adds_no_fact_and_an_accepted_one_must_change_and_agree(published, org, frozen_now):
    grade = published["rep1"]
    appeal = followup.file_appeal(grade, _user(org["rep1"]), "理由写得足够长", clock.now())
    hr = _user(org["hr"])
    with pytest.raises(followup.FollowUpError, match="与原来相同"):
        followup.decide_appeal(appeal, hr, "accepted", "核实", clock.now(), followup.Correction("85", "A"))
    with pytest.raises(followup.FollowUpError, match="不符"):
        followup.decide_appeal(appeal, hr, "accepted", "核实", clock.now(), followup.Correction("85", "S"))
    with pytest.raises(followup.FollowUpError, match="处理理由"):
        followup.decide_appeal(appeal, hr, "rejected", "", clock.now())
    before = _db.session.scalars(select(RecordEntry)).all()
    followup.decide_appeal(appeal, hr, "rejected", "数据无误", clock.now())
    assert _db.session.scalars(select(RecordEntry)).all() == before
    with pytest.raises(followup.FollowUpError, match="已经处理过"):
        followup.decide_appeal(appeal, hr, "rejected", "数据无误", clock.now())


def test_an_accepted_appeal_out_of_c_cancels_the_pip(published, org, frozen_now):
    grade = published["rep2"]
    appeal = followup.file_appeal(grade, _user(org["rep2"]), "理由写得足够长", clock.now())
    followup.decide_appeal(appeal, _user(org["hr"]), "accepted", "核实", clock.now(), followup.Correction("", "B"))
    plan = _db.session.scalars(select(ImprovementPlan).where(ImprovementPlan.grade_id == grade.id)).one()
    assert plan.cancelled_at is not None and grade.score is None and grade.grade == "B"


def test_days_beyond_the_calendar_are_said_not_guessed(db, org, frozen_now, import_grades, client, auth):
    frozen_now(datetime(2026, 12, 28, 2, 0))  # the 5-day window runs into 2027, which chinese-calendar does not know
    import_grades(csv_bytes([["S001", "2026-Q4", "85", "A", "", ""]]))
    grade = _grade(org["rep1"])
    with pytest.raises(followup.FollowUpError, match="暂时无法受理申诉.*2027"):
        followup.file_appeal(grade, _user(org["rep1"]), "理由写得足够长", clock.now())
    assert followup.deadline_or_problem(followup.appeal_deadline, grade)[0] is None
    _db.session.rollback()
    auth.login(org["rep1"])
    page = client.get(f"/performance/grades/{grade.id}")
    assert page.status_code == 200 and "COMPANY_CALENDAR_YEARS" in page.get_data(as_text=True)


def test_two_consecutive_d_grades_are_flagged_also_across_a_year(db, org, frozen_now, import_grades):
    rows = [
        ["S001", "2026-Q1", "55", "D", "", ""],
        ["S001", "2026-Q2", "50", "D", "", ""],
        ["S002", "2025-Q4", "", "D", "", ""],
        ["S002", "2026-Q1", "", "D", "", ""],
        ["S003", "2026-Q1", "", "D", "", ""],
        ["S003", "2026-Q2", "", "C", "", ""],
        ["S003", "2026-Q3", "", "D", "", ""],
        ["S003", "2026-03", "", "D", "", ""],
    ]
    import_grades(csv_bytes(rows))
    pairs = {(pair.user.employee_no, pair.earlier.period, pair.later.period) for pair in followup.consecutive_d()}
    assert pairs == {("S001", "2026-Q1", "2026-Q2"), ("S002", "2025-Q4", "2026-Q1")}


@pytest.mark.parametrize(
    "period, kind, before",
    [
        ("2026-Q1", "quarter", "2025-Q4"),
        ("2026-Q3", "quarter", "2026-Q2"),
        ("2026-01", "month", "2025-12"),
        ("2026-10", "month", "2026-09"),
        ("2026", "year", "2025"),
    ],
)
def test_previous_period(period, kind, before):
    assert followup.previous_period(period, kind) == before


def test_the_appeal_record_keeps_its_deadline(published, org, frozen_now):
    appeal = followup.file_appeal(published["rep1"], _user(org["rep1"]), "理由写得足够长", clock.now())
    _db.session.commit()
    assert _db.session.get(GradeAppeal, appeal.id).decide_by == date(2026, 10, 28)
