"""Appending facts, walking the chain, and naming the first entry edited or removed behind the triggers."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

import lms.clock
from lms.models import FactKind, RecordEntry
from lms.record import hashing, service


@pytest.fixture
def person(make_user):
    return make_user()


def test_appended_facts_form_a_chain_from_genesis(db, person, monkeypatch):
    monkeypatch.setattr(lms.clock, "now", lambda: datetime(2026, 12, 1, 2, 3, 4, 567))
    first = service.append_fact(
        FactKind.EXAM_GRADED,
        subject_id=person.id,
        occurred_at=datetime(2026, 11, 30, 8),
        source="exam_attempt:12",
        payload={"score": Decimal("87.5"), "passed": True},
    )
    second = service.append_fact(
        "award",
        subject_id=person.id,
        occurred_at=datetime(2026, 12, 1),
        source="award:1",
        payload={"title": "季度销冠"},
        recorded_by_id=person.id,
    )
    db.session.commit()

    entries = db.session.scalars(select(RecordEntry).order_by(RecordEntry.seq)).all()
    assert [(e.seq, e.kind, e.prev_hash) for e in entries] == [
        (1, "exam_graded", hashing.GENESIS),
        (2, "award", first.hash),
    ]
    assert entries[0].payload == '{"passed":true,"score":"87.5"}'
    assert entries[0].recorded_at == datetime(2026, 12, 1, 2, 3, 4, 567) and entries[0].recorded_by_id is None
    # The stored hash is sha256 over the canonical JSON of every field, read back from the database.
    document = {
        "backfilled": False,
        "kind": "award",
        "occurred_at": "2026-12-01T00:00:00.000000Z",
        "payload": {"title": "季度销冠"},
        "prev_hash": first.hash,
        "recorded_at": "2026-12-01T02:03:04.000567Z",
        "recorded_by": person.id,
        "seq": 2,
        "source": "award:1",
        "subject_id": person.id,
        "supersedes": None,
    }
    assert second.hash == hashlib.sha256(hashing.canonical_json(document).encode()).hexdigest()
    assert entries[1].kind_label == "获奖" and entries[1].payload_data == {"title": "季度销冠"}

    report = service.verify_chain()
    assert (report.ok, report.count, report.head_hash) == (True, 2, second.hash)


def test_a_correction_supersedes_an_earlier_fact_of_the_same_person(db, person, make_user, append):
    other = make_user()
    (original,) = append(person.id)
    correction = service.append_fact(
        FactKind.EXAM_GRADED,
        subject_id=person.id,
        occurred_at=lms.clock.now(),
        source="exam_attempt:1",
        payload={"score": 90},
        supersedes=original,
    )
    assert correction.supersedes_seq == original and correction.supersedes.seq == original
    with pytest.raises(service.RecordError, match="属于另一个人"):
        service.append_fact(
            FactKind.EXAM_GRADED,
            subject_id=other.id,
            occurred_at=lms.clock.now(),
            source="exam_attempt:2",
            supersedes=original,
        )
    with pytest.raises(service.RecordError, match="不存在"):
        service.append_fact(
            FactKind.EXAM_GRADED,
            subject_id=person.id,
            occurred_at=lms.clock.now(),
            source="exam_attempt:2",
            supersedes=99,
        )


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"kind": "promotion"}, "未知的事实类型"),
        ({"source": "exam attempt 12"}, "表名:编号"),
        ({"source": "x:" + "1" * 95}, "表名:编号"),
        ({"payload": {"score": 87.5}}, "浮点数"),
        ({"occurred_at": datetime(2026, 12, 1, tzinfo=UTC)}, "无时区"),
        ({"occurred_at": date(2026, 12, 1)}, "datetime"),
        ({"payload": [1, 2]}, "键值对象"),
    ],
)
def test_a_fact_given_wrongly_is_refused_and_nothing_is_written(db, person, changes, words):
    arguments = {
        "kind": FactKind.EXAM_GRADED,
        "subject_id": person.id,
        "occurred_at": datetime(2026, 12, 1),
        "source": "exam_attempt:1",
        "payload": {"score": 1},
        **changes,
    }
    with pytest.raises(service.RecordError, match=words):
        service.append_fact(arguments.pop("kind"), **arguments)
    assert db.session.scalar(select(func.count()).select_from(RecordEntry)) == 0


def test_verify_reads_in_batches_and_finds_a_break_in_a_later_batch(db, app, person, append, tamper):
    append(person.id, n=10)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert service.verify_chain(batch_size=3).count == 10
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sum("FROM record_entry" in statement for statement in statements) == 4  # 3 + 3 + 3 + 1
    db.session.rollback()

    tamper("UPDATE record_entry SET payload = :payload WHERE seq = 8", payload='{"score":100}')
    report = service.verify_chain(batch_size=3)
    assert (report.count, report.broken.seq) == (7, 8)
    assert "内容与哈希不符" in report.broken.problem


def test_cli_verify_names_an_edited_entry(runner, person, append, tamper):
    append(person.id, n=3)
    result = runner.invoke(args=["record", "verify"])
    assert result.exit_code == 0 and "档案链完整：共 3 条" in result.output

    tamper("UPDATE record_entry SET subject_id = subject_id WHERE seq = 2")  # a no-op edit changes nothing
    assert runner.invoke(args=["record", "verify"]).exit_code == 0
    later = datetime(2026, 1, 1, 0, 0)
    tamper("UPDATE record_entry SET occurred_at = :later WHERE seq = 2", later=later)
    result = runner.invoke(args=["record", "verify"])
    assert result.exit_code == 1
    assert "第 2 条（seq=2，id=2）：内容与哈希不符" in result.output


def test_an_entry_rewritten_with_its_hash_is_named_by_the_entry_after_it(db, person, append, tamper):
    append(person.id, n=3)
    entry = db.session.get(RecordEntry, 2)
    fields = hashing.EntryFields(
        seq=2,
        subject_id=entry.subject_id,
        kind=entry.kind,
        occurred_at=entry.occurred_at,
        recorded_at=entry.recorded_at,
        recorded_by=None,
        source=entry.source,
        payload='{"score":100}',
        supersedes=None,
        backfilled=False,
        prev_hash=entry.prev_hash,
    )
    db.session.rollback()
    tamper(
        "UPDATE record_entry SET payload = :payload, hash = :hash WHERE seq = 2",
        payload=fields.payload,
        hash=hashing.entry_hash(fields),
    )
    report = service.verify_chain()
    assert (report.count, report.broken.seq) == (2, 3)
    assert "prev_hash 与第 2 条的哈希不符" in report.broken.problem


@pytest.mark.parametrize(
    "removed, named, words",
    [
        ("seq = 2", 3, "第 2 条不见了"),
        ("seq IN (2, 3)", 4, "第 2–3 条不见了"),
        ("seq = 1", 2, "第 1 条不见了"),
    ],
)
def test_a_removed_entry_is_named(db, person, append, tamper, removed, named, words):
    append(person.id, n=4)
    tamper(f"DELETE FROM record_entry WHERE {removed}")
    report = service.verify_chain()
    assert report.broken.seq == named and words in report.broken.problem


def test_an_empty_ledger_verifies(db):
    report = service.verify_chain()
    assert (report.ok, report.count, report.head_hash) == (True, 0, hashing.GENESIS)


def test_times_keep_their_microseconds_through_the_database(db, person, append):
    moment = datetime(2026, 6, 30, 23, 59, 59, 999999)
    append(person.id, occurred_at=moment)
    append(person.id, occurred_at=moment + timedelta(microseconds=1))
    assert service.verify_chain().ok


@pytest.mark.parametrize("stored", ["2026-12-01 08:30:00", "2026-12-01 08:30:00.000000"])
def test_a_time_rewritten_in_another_form_is_named(db, person, append, tamper, stored):
    append(person.id, n=3, occurred_at=datetime(2026, 12, 1, 8, 30, 0, 1))
    tamper("UPDATE record_entry SET occurred_at = :stored WHERE seq = 2", stored=stored)
    report = service.verify_chain()
    assert report.broken.seq == 2 and "内容与哈希不符" in report.broken.problem
