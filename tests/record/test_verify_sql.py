"""The database spells an entry's canonical bytes exactly as hashing.entry_bytes does, for any text."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, text

from lms.models import RecordEntry
from lms.record import hashing, service

# Every character JSON escapes, the ones around them, and text far from ASCII.
AWKWARD = "".join(chr(i) for i in range(1, 0x80)) + "\u00e9\u2028\u2029\ufeff考试\U0001f600"


def _fields(subject_id: int, **changes) -> hashing.EntryFields:
    values = dict(
        seq=1,
        subject_id=subject_id,
        kind="exam_graded",
        occurred_at=datetime(2026, 12, 1, 8, 30, 0, 1),
        recorded_at=datetime(2026, 6, 30, 23, 59, 59, 999999),
        recorded_by=None,
        source="exam_attempt:12",
        payload=hashing.canonical_json({"score": "87.50", "title": "季度考试", "q": AWKWARD}),
        supersedes=None,
        backfilled=False,
        prev_hash="a" * 64,
    )
    values.update(changes)
    return hashing.EntryFields(**values)


# kind is 32 characters at most, source 96: the awkward text goes through them in slices.
CASES = [
    {},
    *({"kind": AWKWARD[i : i + 32], "source": AWKWARD[i : i + 96]} for i in range(0, len(AWKWARD), 32)),
    {"kind": '"', "source": "\\", "backfilled": True},
    {"recorded_by": "other"},
]


@pytest.mark.parametrize("changes", CASES)
def test_the_database_document_equals_entry_bytes(db, make_user, changes):
    subject, other = make_user(), make_user()
    if changes.get("recorded_by") == "other":
        changes = {**changes, "recorded_by": other.id}
    fields = _fields(subject.id, **changes)
    db.session.execute(insert(RecordEntry.__table__), [service.entry_row(fields, "b" * 64)])
    dialect = db.engine.dialect.name
    document = db.session.execute(
        text(f"SELECT {service.entry_document_sql(dialect)} FROM record_entry WHERE seq = 1")
    ).scalar_one()
    expected = hashing.entry_bytes(
        fields.seq,
        fields.subject_id,
        fields.kind,
        hashing.format_time(fields.occurred_at),
        hashing.format_time(fields.recorded_at),
        fields.recorded_by,
        fields.source,
        fields.payload,
        fields.supersedes,
        fields.backfilled,
        fields.prev_hash,
    )
    assert document.encode("utf-8") == expected
    db.session.rollback()


def test_verify_accepts_every_character_in_kind_and_source(db, make_user):
    """Rows with awkward text, chained properly (inserted directly, past append_fact's checks), verify."""
    person = make_user()
    prev, rows = hashing.GENESIS, []
    for seq, changes in enumerate(CASES[:-1], start=1):
        fields = _fields(person.id, **{**changes, "seq": seq, "prev_hash": prev})
        prev = hashing.entry_hash(fields)
        rows.append(service.entry_row(fields, prev))
    db.session.execute(insert(RecordEntry.__table__), rows)
    db.session.commit()
    report = service.verify_chain(batch_size=2)
    assert (report.ok, report.count, report.head_hash) == (True, len(CASES) - 1, prev)
