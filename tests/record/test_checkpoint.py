"""`lms record checkpoint` and `verify --against`: a signed head, and proof that today's log extends it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from lms.extensions import db as _db
from lms.models import RecordCheckpoint, RecordEntry
from lms.record import hashing


@pytest.fixture
def person(make_user):
    return make_user()


@pytest.fixture
def checkpoint(runner, tmp_path):
    """checkpoint() runs `lms record checkpoint --output FILE` and returns (file, document)."""

    def take():
        path = tmp_path / "checkpoint.json"
        result = runner.invoke(args=["record", "checkpoint", "--output", str(path)])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == json.loads(path.read_text(encoding="utf-8"))
        return path, json.loads(result.output)

    return take


def _against(runner, path):
    return runner.invoke(args=["record", "verify", "--against", str(path)])


def test_checkpoint_is_stored_and_later_logs_extend_it(app, runner, person, append, checkpoint):
    append(person.id, n=3)
    path, document = checkpoint()
    with app.app_context():
        head = _db.session.get(RecordEntry, 3)
        stored = _db.session.scalars(select(RecordCheckpoint)).one()
    assert (document["count"], document["hash"]) == (3, head.hash)
    assert (stored.entry_count, stored.head_hash, stored.signature) == (3, head.hash, document["signature"])

    append(person.id, n=2)
    result = _against(runner, path)
    assert result.exit_code == 0, result.output
    assert "共 5 条" in result.output and "延续了检查点" in result.output and "签名有效" in result.output


def test_a_checkpoint_of_the_empty_ledger_holds(runner, person, append, checkpoint):
    path, document = checkpoint()
    assert (document["count"], document["hash"]) == (0, hashing.GENESIS)
    append(person.id)
    assert _against(runner, path).exit_code == 0


def test_a_truncated_log_fails_against_the_checkpoint(runner, person, append, checkpoint, tamper):
    append(person.id, n=3)
    path, _ = checkpoint()
    tamper("DELETE FROM record_entry WHERE seq = 3")
    assert runner.invoke(args=["record", "verify"]).exit_code == 0  # the shorter chain holds on its own …
    result = _against(runner, path)
    assert result.exit_code == 1  # … but not against the checkpoint
    assert "日志被截短：检查点记录了 3 条，现在只有 2 条" in result.output


def test_a_log_rewritten_and_rechained_fails_against_the_checkpoint(app, runner, person, append, checkpoint, tamper):
    append(person.id, n=3)
    path, _ = checkpoint()
    with app.app_context():
        entries = _db.session.scalars(select(RecordEntry).order_by(RecordEntry.seq)).all()
        _db.session.expunge_all()  # keep them loaded as they were
    prev = hashing.GENESIS
    for entry in entries:  # every hash recomputed: the chain is whole again, only different
        fields = hashing.EntryFields(
            seq=entry.seq,
            subject_id=entry.subject_id,
            kind=entry.kind,
            occurred_at=entry.occurred_at,
            recorded_at=entry.recorded_at,
            recorded_by=None,
            source=entry.source,
            payload='{"score":100}' if entry.seq == 2 else entry.payload,
            supersedes=None,
            backfilled=False,
            prev_hash=prev,
        )
        prev = hashing.entry_hash(fields)
        tamper(
            "UPDATE record_entry SET payload = :payload, prev_hash = :prev, hash = :hash WHERE seq = :seq",
            payload=fields.payload,
            prev=fields.prev_hash,
            hash=prev,
            seq=entry.seq,
        )
    assert runner.invoke(args=["record", "verify"]).exit_code == 0
    result = _against(runner, path)
    assert result.exit_code == 1
    assert "第 3 条的哈希与检查点不符" in result.output


def test_an_edited_log_is_named_against_the_checkpoint_too(runner, person, append, checkpoint, tamper):
    append(person.id, n=2)
    path, _ = checkpoint()
    tamper("UPDATE record_entry SET source = 'exam_attempt:99' WHERE seq = 1")
    result = _against(runner, path)
    assert result.exit_code == 1 and "第 1 条（seq=1，id=1）：内容与哈希不符" in result.output


@pytest.mark.parametrize(
    "change, words",
    [
        ({"count": 2}, "签名无效"),
        ({"hash": "0" * 63 + "1"}, "签名无效"),
        ({"key_id": "0" * 16}, "另一把密钥"),
    ],
)
def test_a_tampered_checkpoint_file_fails(runner, person, append, checkpoint, change, words):
    append(person.id, n=3)
    path, document = checkpoint()
    path.write_text(json.dumps({**document, **change}), encoding="utf-8")
    result = _against(runner, path)
    assert result.exit_code == 1 and "检查点无效" in result.output and words in result.output


def test_a_checkpoint_is_refused_for_a_broken_chain(app, runner, person, append, tamper):
    append(person.id, n=2)
    tamper("UPDATE record_entry SET payload = '{}' WHERE seq = 2")
    result = runner.invoke(args=["record", "checkpoint"])
    assert result.exit_code == 1 and "档案链已损坏，不生成检查点" in result.output
    with app.app_context():
        assert _db.session.scalars(select(RecordCheckpoint)).all() == []
