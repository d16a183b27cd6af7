"""Awards HR records (年度「最佳新人」, 季度销冠, others): each an `award` fact; bad ones refused."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db as _db
from lms.models import Award, RecordEntry, User
from lms.performance import awards


def _hr(org) -> User:
    return _db.session.get(User, org["hr"].id)


def test_best_newcomer_is_recorded_with_its_fact(db, org, frozen_now):
    data = awards.AwardData("s001", "best_newcomer", "", "2025", date(2026, 1, 15), "入职首年签约 12 家新客户")
    award = awards.record_award(data, _hr(org), clock.now())
    _db.session.commit()
    fact = _db.session.scalars(select(RecordEntry)).one()
    assert (fact.kind, fact.subject_id, fact.source, fact.recorded_by_id) == (
        "award",
        org["rep1"].id,
        f"award:{award.id}",
        org["hr"].id,
    )
    assert json.loads(fact.payload) == {
        "award": "best_newcomer",
        "title": "年度「最佳新人」",
        "period": "2025",
        "citation": "入职首年签约 12 家新客户",
        "awarded_on": "2026-01-15",
    }
    assert fact.occurred_at == clock.start_of_day(date(2026, 1, 15))


@pytest.mark.parametrize(
    "data, message",
    [
        (awards.AwardData("X1", "best_newcomer", "", "2025", date(2026, 1, 5), "颁奖词足够长"), "工号 X1 不存在"),
        (awards.AwardData("S001", "best_newcomer", "", "2026-Q1", date(2026, 4, 5), "颁奖词足够长"), "期间应为年度"),
        (awards.AwardData("S001", "quarter_top_sales", "", "2026", date(2026, 4, 5), "颁奖词足够长"), "期间应为季度"),
        (
            awards.AwardData("S001", "quarter_top_sales", "", "2026-Q3", date(2026, 10, 15), "颁奖词足够长"),
            "不能晚于今天",
        ),
        (
            awards.AwardData("S001", "quarter_top_sales", "", "2026-Q3", date(2026, 6, 30), "颁奖词足够长"),
            "不能早于期间",
        ),
        (awards.AwardData("S001", "other", "", "2026-Q3", date(2026, 10, 1), "颁奖词足够长"), "请填写奖项名称"),
        (awards.AwardData("S001", "quarter_top_sales", "", "2026-Q3", date(2026, 10, 1), "短"), "请填写颁奖词"),
        (awards.AwardData("S001", "medal", "", "2026-Q3", date(2026, 10, 1), "颁奖词足够长"), "请选择奖项类型"),
    ],
)
def test_bad_awards_are_refused_and_write_nothing(db, org, frozen_now, data, message):
    with pytest.raises(awards.AwardError, match=message):
        awards.record_award(data, _hr(org), clock.now())
    _db.session.rollback()
    assert _db.session.scalar(select(func.count()).select_from(Award)) == 0
    assert _db.session.scalar(select(func.count()).select_from(RecordEntry)) == 0


def test_hr_records_an_award_on_the_page_and_the_rep_sees_it(app, client, auth, org, frozen_now):
    auth.login(org["hr"])
    form = {
        "employee_no": "S001",
        "kind": "quarter_top_sales",
        "period": "2026-Q3",
        "awarded_on": "2026-10-10",
        "citation": "三季度签约额第一",
    }
    page = client.post_form("/performance/awards", form, follow_redirects=True)
    assert "奖项已登记" in page.get_data(as_text=True) and "季度销冠" in page.get_data(as_text=True)
    auth.logout()
    auth.login(org["rep1"])
    assert client.post_form("/performance/awards", form).status_code == 403
    assert "三季度签约额第一" in client.get("/performance/mine").get_data(as_text=True)
