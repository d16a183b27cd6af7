"""HR confirms a period: one fact per eligible person, storing the rules' hash and the facts' hashes; an old
decision is explained again identically after the rules change."""

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

import lms.clock
from lms.extensions import db as _db
from lms.incentives import confirmation
from lms.incentives.eligibility import current_rules
from lms.incentives.periods import parse_period
from lms.models import EligibilityConfirmation, FactKind, IncentiveRuleText, RecordEntry, User
from lms.record.service import verify_chain

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def content_dir(app, tmp_path):
    """A copy of the rules file the app reads (so a test may change it)."""
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(CONTENT / "incentives.yaml", folder / "incentives.yaml")
    app.config["CONTENT_DIR"] = str(folder)
    return folder


@pytest.fixture
def people(make_user, add_grade):
    hr = make_user(roles=("hr",), name="人事甲")
    met = make_user(name="达标者")
    missing = make_user(name="差一步者")
    for quarter, grade in (("2026-Q1", "A"), ("2026-Q2", "S"), ("2026-Q3", "A")):
        add_grade(met.id, quarter, grade)
    for quarter, grade in (("2026-Q1", "A"), ("2026-Q2", "S"), ("2026-Q3", "B")):
        add_grade(missing.id, quarter, grade)
    return hr, met, missing


def _confirm(app, hr, period="2026-Q3"):
    with app.app_context():
        done = confirmation.confirm_period(parse_period(period), current_rules(), _db.session.get(User, hr.id))
        _db.session.commit()
        return done.id


def _explanation(app, seq):
    """What a reader sees of a re-explained decision: every rule's answer, evidence and missing text."""
    with app.app_context():
        again = confirmation.reexplain(_db.session.get(RecordEntry, seq))
        assert again.intact, again.problems
        return [
            (
                r.rule.key,
                r.rule.title,
                r.rule.describe(),
                r.met,
                r.outcome.detail,
                r.outcome.missing,
                [f.seq for f in r.outcome.evidence],
            )
            for r in again.eligibility.results
        ]


def test_confirming_appends_one_fact_per_eligible_person_with_the_hashes(app, content_dir, people):
    hr, met, missing = people
    confirmation_id = _confirm(app, hr)
    with app.app_context():
        facts = _db.session.scalars(
            select(RecordEntry).where(RecordEntry.kind == FactKind.ELIGIBILITY_CONFIRMED.value)
        ).all()
        assert [fact.subject_id for fact in facts] == [met.id]
        payload = facts[0].payload_data
        rules = current_rules()
        assert payload["rules_hash"] == rules.hash
        assert facts[0].source == f"eligibility_confirmation:{confirmation_id}"
        assert facts[0].recorded_by_id == hr.id
        streak = next(item for item in payload["rules"] if item["rule"] == "three_quarters_a")
        grades = _db.session.scalars(
            select(RecordEntry).where(RecordEntry.subject_id == met.id, RecordEntry.kind == "performance_grade")
        ).all()
        assert streak == {
            "rule": "three_quarters_a",
            "met": True,
            "facts": [{"seq": grade.seq, "hash": grade.hash} for grade in grades],
        }
        assert _db.session.get(IncentiveRuleText, rules.hash).text == rules.text
        assert _db.session.get(EligibilityConfirmation, confirmation_id).people_count == 1
        assert verify_chain().ok


def test_an_old_decision_reads_the_same_after_the_rules_and_the_facts_change(app, content_dir, people, add_grade):
    hr, met, _ = people
    _confirm(app, hr)
    with app.app_context():
        seq = _db.session.scalar(
            select(RecordEntry.seq).where(RecordEntry.kind == FactKind.ELIGIBILITY_CONFIRMED.value)
        )
    before = _explanation(app, seq)
    # The rules change (four quarters now, a new title), and a grade is corrected afterwards.
    rules_file = content_dir / "incentives.yaml"
    text = rules_file.read_text(encoding="utf-8")
    rules_file.write_text(
        text.replace("count: 3", "count: 4").replace("连续 3 个季度绩效等级 ≥A", "连续 4 个季度 ≥A"), encoding="utf-8"
    )
    with app.app_context():
        assert current_rules().rule("three_quarters_a").predicate.count == 4
        q3 = _db.session.scalar(
            select(RecordEntry).where(RecordEntry.subject_id == met.id, RecordEntry.payload.contains("2026-Q3"))
        )
        q3_seq, q3_source = q3.seq, q3.source
    add_grade(met.id, "2026-Q3", "C", source=q3_source, supersedes=q3_seq, reason="复核下调")
    after = _explanation(app, seq)
    assert after == before
    streak = next(item for item in after if item[0] == "three_quarters_a")
    assert streak[1] == "连续 3 个季度绩效等级 ≥A" and streak[3] is True


def test_a_fact_changed_behind_the_ledger_s_back_is_named(app, content_dir, people):
    hr, met, _ = people
    _confirm(app, hr)
    with app.app_context():
        entry = _db.session.scalar(select(RecordEntry).where(RecordEntry.kind == FactKind.ELIGIBILITY_CONFIRMED.value))
        entry_seq = entry.seq
    # Rewriting the stored hash list (as a forged payload would) is caught: the listed hash no longer matches.
    with app.app_context():
        entry = _db.session.get(RecordEntry, entry_seq)
        payload = entry.payload_data
        payload["rules"][5]["facts"][0]["hash"] = "0" * 64
        _db.session.expunge(entry)
        entry.payload = __import__("json").dumps(payload)
        again = confirmation.reexplain(entry)
        assert not again.intact
        assert "哈希不符" in again.problems[0]


def test_a_period_not_ended_or_without_anyone_eligible_is_refused(app, content_dir, make_user):
    hr = make_user(roles=("hr",))
    with app.app_context():
        person = _db.session.get(User, hr.id)
        with pytest.raises(confirmation.ConfirmationError, match="尚未结束"):
            confirmation.confirm_period(parse_period("2026-Q4"), current_rules(), person)
        with pytest.raises(confirmation.ConfirmationError, match="没有符合任何激励规则的人员"):
            confirmation.confirm_period(parse_period("2026-Q3"), current_rules(), person)
        with pytest.raises(confirmation.ConfirmationError, match="今天或以前"):
            confirmation.confirm_period(parse_period("2026-Q3"), current_rules(), person, date(2027, 1, 1))
        _db.session.rollback()
        assert _db.session.scalar(select(func.count()).select_from(EligibilityConfirmation)) == 0
        assert _db.session.scalar(select(func.count()).select_from(RecordEntry)) == 0


def test_rebuild_check_recomputes_confirmations_from_their_tables(app, content_dir, people, add_grade, monkeypatch):
    from lms.record import rebuild

    hr, met, _ = people
    _confirm(app, hr)
    # Later facts (a corrected grade, recorded after the confirmation) do not change what it should hold.
    monkeypatch.setattr(lms.clock, "now", lambda: datetime(2026, 12, 3, 2, 0))
    with app.app_context():
        q3 = _db.session.scalar(
            select(RecordEntry).where(RecordEntry.subject_id == met.id, RecordEntry.payload.contains("2026-Q3"))
        )
        q3_seq, q3_source = q3.seq, q3.source
    add_grade(met.id, "2026-Q3", "C", source=q3_source, supersedes=q3_seq, reason="复核下调")
    with app.app_context():
        report = rebuild.check(["lms.incentives.facts"])
        assert report.differences == [] and report.expected_count == 1 == report.recorded_count
        # A fact the tables do not call for is named.
        person = _db.session.get(User, met.id)
        from lms.record.service import append_fact

        append_fact(
            FactKind.ELIGIBILITY_CONFIRMED,
            subject_id=person.id,
            occurred_at=lms.clock.now(),
            source="eligibility_confirmation:999",
            payload={"period": "2026-Q3"},
        )
        report = rebuild.check(["lms.incentives.facts"])
        assert [(d.problem, d.source) for d in report.differences] == [("unexpected", "eligibility_confirmation:999")]
        _db.session.rollback()
