"""Case publication, the 3-rater summary and sharing-session attendance write their facts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms import clock
from lms.cases import facts as case_facts
from lms.cases import service
from lms.extensions import db as _db
from lms.models import FactKind, RecordEntry
from lms.record import rebuild
from lms.record import service as record
from tests.cases.conftest import case_data, load, user


def _facts(kind):
    return list(_db.session.scalars(select(RecordEntry).where(RecordEntry.kind == kind).order_by(RecordEntry.seq)))


def test_publishing_records_the_author_and_a_new_version_supersedes(db, people, make_case):
    case_id = make_case(title="回款复盘")
    case = load(case_id)
    [first] = _facts(FactKind.CASE_REVIEW_PUBLISHED)
    assert (first.subject_id, first.source, first.recorded_by_id) == (
        people["mentor"].id,
        f"case_review:{case_id}",
        people["manager"].id,
    )
    on = case.published_at
    assert first.payload_data == {
        "case_id": case_id,
        "title": "回款复盘",
        "version": 1,
        "published_on": clock.local_date(on).isoformat(),
        "first_published_on": clock.local_date(on).isoformat(),
    }
    mentor, manager = user(people["mentor"]), user(people["manager"])
    service.update_case(case, case_data(title="回款复盘（修订）"), mentor)
    service.submit_case(case, mentor)
    service.approve_case(case, manager)
    db.session.commit()
    first, second = _facts(FactKind.CASE_REVIEW_PUBLISHED)
    assert second.supersedes_seq == first.seq
    assert (second.payload_data["version"], second.payload_data["title"]) == (2, "回款复盘（修订）")
    assert rebuild.check().ok


def test_the_third_distinct_rater_writes_the_summary_once(db, people, make_case):
    case = load(make_case())
    service.rate_case(case, user(people["rep1"]), {"quality": 5, "application": 4, "engagement": 4, "improvement": 3})
    service.rate_case(case, user(people["rep1"]), {"quality": 5, "application": 5, "engagement": 5, "improvement": 5})
    service.rate_case(case, user(people["rep2"]), {"quality": 3, "application": 2, "engagement": 2, "improvement": 1})
    db.session.commit()
    assert _facts(FactKind.CASE_RATING_SUMMARY) == []  # two raters, though three ratings
    third = service.rate_case(
        case, user(people["rep3"]), {"quality": 4, "application": 3, "engagement": 3, "improvement": 2}
    )
    db.session.commit()
    [summary] = _facts(FactKind.CASE_RATING_SUMMARY)
    assert (summary.subject_id, summary.source, summary.occurred_at) == (
        people["mentor"].id,
        f"case_review:{case.id}",
        third.created_at,
    )
    # (20 + 8 + 12) / 12 = 3.333… → 3.33
    assert summary.payload_data == {"case_id": case.id, "title": case.published.title, "raters": 3, "mean": "3.33"}
    service.rate_case(
        case, user(people["mentor2"]), {"quality": 1, "application": 1, "engagement": 1, "improvement": 1}
    )
    service.rate_case(case, user(people["rep3"]), {"quality": 1, "application": 1, "engagement": 1, "improvement": 1})
    db.session.commit()
    assert len(_facts(FactKind.CASE_RATING_SUMMARY)) == 1  # later ratings leave the milestone as it was
    assert rebuild.check().ok


def test_the_summary_is_computed_in_rating_order():
    class Row:
        def __init__(self, rater, score):
            self.rater_id = rater
            self.quality = self.application = self.engagement = self.improvement = score

    rows = [Row(1, 5), Row(2, 4), Row(1, 1), Row(3, 3), Row(4, 1)]
    rating, mean = case_facts.summary_at_third_rater(rows)
    assert rating is rows[3] and str(mean) == "2.67"  # rater 1's changed score counts: (1 + 4 + 3) / 3
    assert case_facts.summary_at_third_rater(rows[:3]) is None


def _session_data(**changes):
    values = dict(month="2026-11", title="十一月经验分享会", held_on=date(2026, 11, 20), case_ids=[], expected_ids=[])
    values.update(changes)
    return service.SessionData(**values)


def test_attendance_facts_follow_the_session(db, people, make_case):
    manager = user(people["manager"])
    rep1, rep2, rep3 = (people[name].id for name in ("rep1", "rep2", "rep3"))
    session = service.save_session(_session_data(expected_ids=[rep1, rep2, rep3], attended_ids=[rep1, rep2]), manager)
    db.session.commit()
    facts = _facts(FactKind.SHARING_ATTENDED)
    assert [(f.subject_id, f.source) for f in facts] == [
        (rep1, f"sharing_attendance:{session.id}-{rep1}"),
        (rep2, f"sharing_attendance:{session.id}-{rep2}"),
    ]
    assert facts[0].payload_data == {
        "session_id": session.id,
        "title": "十一月经验分享会",
        "month": "2026-11",
        "held_on": "2026-11-20",
    }
    assert facts[0].recorded_by_id == manager.id
    # Saved again unchanged: nothing new. Then rep2 unmarked, rep3 marked, the session re-dated.
    service.save_session(_session_data(expected_ids=[rep1, rep2, rep3], attended_ids=[rep1, rep2]), manager, session)
    db.session.commit()
    assert len(_facts(FactKind.SHARING_ATTENDED)) == 2
    service.save_session(
        _session_data(held_on=date(2026, 11, 27), expected_ids=[rep1, rep2, rep3], attended_ids=[rep1, rep3]),
        manager,
        session,
    )
    db.session.commit()
    current = record.current_facts(FactKind.SHARING_ATTENDED)
    by_source = dict(current)
    assert by_source[f"sharing_attendance:{session.id}-{rep2}"].withdrawn
    assert '"held_on":"2026-11-27"' in by_source[f"sharing_attendance:{session.id}-{rep1}"].payload
    assert not by_source[f"sharing_attendance:{session.id}-{rep3}"].withdrawn
    # Taking rep1 off the list altogether withdraws their fact too; rep2 stays withdrawn once.
    service.save_session(
        _session_data(held_on=date(2026, 11, 27), expected_ids=[rep3], attended_ids=[rep3]), manager, session
    )
    db.session.commit()
    current = record.current_facts(FactKind.SHARING_ATTENDED)
    assert current[f"sharing_attendance:{session.id}-{rep1}"].withdrawn
    assert len(_facts(FactKind.SHARING_ATTENDED)) == 2 + 3 + 1
    assert rebuild.check().ok and record.verify_chain().ok


def test_rebuild_names_an_attendance_without_fact(db, runner, people, tamper):
    manager = user(people["manager"])
    rep1 = people["rep1"].id
    session = service.save_session(_session_data(expected_ids=[rep1], attended_ids=[rep1]), manager)
    db.session.commit()
    session_id = session.id
    tamper("DELETE FROM record_entry")
    result = runner.invoke(args=["record", "rebuild", "--check"])
    assert result.exit_code == 1
    assert f"缺少：参加分享会（sharing_attended）来源 sharing_attendance:{session_id}-{rep1}" in result.output
