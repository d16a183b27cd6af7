"""Ratings (经验共享效果评估表) and the monthly sharing session (service level)."""

from datetime import date

import pytest
from sqlalchemy import select

from lms.cases import service
from lms.cases.service import CaseError
from lms.models.cases import CaseRating
from tests.cases.conftest import load, user

GOOD = {"quality": 5, "application": 4, "engagement": 4, "improvement": 3}


def test_averages_appear_from_three_raters(db, people, make_case):
    case = load(make_case())
    service.rate_case(case, user(people["rep1"]), GOOD)
    service.rate_case(case, user(people["rep2"]), {"quality": 3, "application": 2, "engagement": 2, "improvement": 1})
    summary = service.rating_summary(case)
    assert summary.count == 2 and summary.averages is None and summary.overall is None
    service.rate_case(case, user(people["rep3"]), {"quality": 4, "application": 3, "engagement": 3, "improvement": 2})
    summary = service.rating_summary(case)
    assert summary.count == 3
    assert summary.averages == {"quality": 4.0, "application": 3.0, "engagement": 3.0, "improvement": 2.0}
    assert summary.overall == 3.0


def test_a_changed_rating_replaces_the_old_one_and_keeps_it_on_record(db, people, make_case):
    case, rep = load(make_case()), user(people["rep1"])
    service.rate_case(case, rep, GOOD)
    service.rate_case(case, rep, {"quality": 1, "application": 1, "engagement": 1, "improvement": 1})
    db.session.commit()
    rows = db.session.scalars(select(CaseRating).order_by(CaseRating.id)).all()
    assert [(r.quality, r.replaced_at is not None) for r in rows] == [(5, True), (1, False)]
    assert service.rating_summary(case).count == 1
    assert service.current_rating(case, rep).quality == 1


@pytest.mark.parametrize("bad", [0, 6, -1, None, "5", 4.5, True])
def test_scores_outside_one_to_five_are_refused(db, people, make_case, bad):
    case = load(make_case())
    with pytest.raises(CaseError) as error:
        service.rate_case(case, user(people["rep1"]), {**GOOD, "engagement": bad})
    assert error.value.field == "engagement"
    assert db.session.scalars(select(CaseRating)).all() == []


def test_nobody_rates_their_own_case_or_an_unpublished_one(db, people, make_case):
    with pytest.raises(CaseError, match="自己"):
        service.rate_case(load(make_case()), user(people["mentor"]), GOOD)
    with pytest.raises(CaseError, match="已发布"):
        service.rate_case(load(make_case("submitted")), user(people["rep1"]), GOOD)


def test_top_rated_lists_only_cases_with_three_raters_best_first(db, people, make_case):
    low, high, few = (load(make_case()) for _ in range(3))
    for rep in ("rep1", "rep2", "rep3"):
        service.rate_case(low, user(people[rep]), {name: 2 for name in GOOD})
        service.rate_case(high, user(people[rep]), {name: 5 for name in GOOD})
    service.rate_case(few, user(people["rep1"]), {name: 5 for name in GOOD})
    rows = db.session.execute(service.top_rated_statement()).all()
    assert [(row[1].id, row[4], float(row[5])) for row in rows] == [(high.id, 3, 5.0), (low.id, 3, 2.0)]


def test_a_sharing_session_counts_participation(db, people, make_case):
    first, second = make_case(), make_case()
    manager = user(people["manager"])
    month = service.default_month(date.today())
    data = service.SessionData(
        month=month,
        title="三月经验分享会",
        held_on=None,
        case_ids=[first, second],
        expected_ids=[people["rep1"].id, people["rep2"].id, people["rep3"].id],
        attended_ids=[people["rep1"].id, people["rep2"].id],
    )
    session = service.save_session(data, manager)
    assert (session.expected_count, session.attended_count) == (3, 2)
    assert session.participation == pytest.approx(66.666, rel=1e-3)
    assert [row.case_id for row in session.case_rows] == [first, second]
    # Attending implies being expected; a later edit records who came.
    data.expected_ids, data.attended_ids = [], [people["rep1"].id]
    session = service.save_session(data, manager, session)
    assert (session.expected_count, session.attended_count, session.participation) == (1, 1, 100.0)


def test_sharing_session_rules(db, people, make_case):
    manager, month = user(people["manager"]), "2025-03"
    draft = make_case("draft")
    base = dict(month=month, title="分享会")
    with pytest.raises(CaseError):
        service.save_session(service.SessionData(**base), user(people["mentor"]))
    with pytest.raises(CaseError) as error:
        service.save_session(service.SessionData(**{**base, "month": "2025-13"}), manager)
    assert error.value.field == "month"
    with pytest.raises(CaseError) as error:
        service.save_session(service.SessionData(**base, case_ids=[draft]), manager)
    assert error.value.field == "case_ids"
    with pytest.raises(CaseError) as error:
        service.save_session(service.SessionData(**base, held_on=date(2025, 4, 1)), manager)
    assert error.value.field == "held_on"
    assert service.save_session(service.SessionData(**base), manager).participation is None
    with pytest.raises(CaseError) as error:
        service.save_session(service.SessionData(**base), manager)
    assert error.value.field == "month"


def test_top_rated_page_shows_a_case_with_three_raters(client, auth, people, make_case, app):
    case_id = make_case(title="三人评价过的案例")
    with app.app_context():
        case = load(case_id)
        for rep in ("rep1", "rep2", "rep3"):
            service.rate_case(case, user(people[rep]), {name: 4 for name in GOOD})
        service.rate_case(case, user(people["mentor2"]), {name: 5 for name in GOOD})
        from lms.extensions import db as _db

        _db.session.commit()
    auth.login(people["rep1"])
    response = client.get("/cases/top")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "三人评价过的案例" in page and "4.25" in page and f"/cases/{case_id}" in page
    assert "三人评价过的案例" not in client.get("/cases/top?page=2").get_data(as_text=True)
