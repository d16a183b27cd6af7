"""The canonical encoding, the entry hash and the checkpoint signature: pure, no app."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lms.models.record import FactKind
from lms.record import hashing


def test_keys_sort_by_utf16_code_units_as_rfc8785_says():
    # RFC 8785, 3.2.3: the emoji (a surrogate pair, D83D…) sorts before U+FB33, unlike code-point order.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(hashing.canonical_json(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_canonical_text_has_no_whitespace_and_keeps_chinese_as_utf8():
    text = hashing.canonical_json({"b": [1, True, None], "a": {"名称": '考试 "A"\n'}})
    assert text == '{"a":{"名称":"考试 \\"A\\"\\n"},"b":[1,true,null]}'


def test_decimals_times_dates_and_enums_become_strings():
    moment = datetime(2026, 12, 1, 8, 30)
    text = hashing.canonical_json(
        {"score": Decimal("87.50"), "at": moment, "day": date(2026, 12, 1), "kind": FactKind.AWARD}
    )
    assert json.loads(text) == {
        "score": "87.50",
        "at": "2026-12-01T08:30:00.000000Z",
        "day": "2026-12-01",
        "kind": "award",
    }


@pytest.mark.parametrize(
    "value, words",
    [
        (0.1, "浮点数"),
        (2**53, "超出"),
        ({1: "x"}, "键必须是字符串"),
        (Decimal("NaN"), "有限数"),
        ({1, 2}, "不支持的类型"),
        ("\ud800", "UTF-8"),
        (datetime(2026, 1, 1, tzinfo=UTC), "无时区"),
    ],
)
def test_values_without_one_spelling_are_refused(value, words):
    with pytest.raises(hashing.NotCanonical, match=words):
        hashing.canonical_json({"x": value})


def _fields(**changes) -> hashing.EntryFields:
    values = dict(
        seq=7,
        subject_id=3,
        kind="exam_graded",
        occurred_at=datetime(2026, 11, 30, 23, 59, 59, 5),
        recorded_at=datetime(2026, 12, 1, 1, 2, 3),
        recorded_by=None,
        source="exam_attempt:12",
        payload=hashing.canonical_json({"score": Decimal("87.5"), "备注": "补考 \u2028"}),
        supersedes=None,
        backfilled=False,
        prev_hash="ab" * 32,
    )
    return hashing.EntryFields(**{**values, **changes})


@pytest.mark.parametrize(
    "changes",
    [{}, {"recorded_by": 9, "supersedes": 4, "backfilled": True}, {"source": 'odd:"quoted"\\', "kind": "award"}],
)
def test_fast_entry_bytes_equal_the_canonical_json_of_the_whole_entry(changes):
    fields = _fields(**changes)
    slow = hashing.canonical_json(hashing.entry_document(fields)).encode()
    stored = [getattr(fields, name) for name in fields.__dataclass_fields__]
    stored[3:5] = hashing.format_time(fields.occurred_at), hashing.format_time(fields.recorded_at)
    assert hashing.entry_bytes(*stored) == slow
    assert hashing.entry_hash(fields) == hashlib.sha256(slow).hexdigest()


@pytest.mark.parametrize(
    "name, other",
    [
        ("seq", 8),
        ("subject_id", 4),
        ("kind", "award"),
        ("occurred_at", datetime(2026, 11, 30, 23, 59, 59, 6)),
        ("recorded_at", datetime(2026, 12, 1, 1, 2, 4)),
        ("recorded_by", 1),
        ("source", "exam_attempt:13"),
        ("payload", '{"score":"88.5"}'),
        ("supersedes", 1),
        ("backfilled", True),
        ("prev_hash", "cd" * 32),
    ],
)
def test_every_field_changes_the_hash(name, other):
    assert hashing.entry_hash(_fields(**{name: other})) != hashing.entry_hash(_fields())


def test_checkpoint_signature_holds_and_any_change_breaks_it():
    key = hashing.checkpoint_key("secret")
    document = hashing.sign_checkpoint(key, 12, "ef" * 32, datetime(2026, 12, 1, 9))
    assert document["at"] == "2026-12-01T09:00:00.000000Z"
    assert hashing.read_checkpoint(json.dumps(document), key) == document
    for name, value in (("count", 13), ("hash", "ee" * 32), ("at", "2026-12-02T09:00:00.000000Z")):
        with pytest.raises(hashing.CheckpointError, match="签名无效"):
            hashing.read_checkpoint(json.dumps({**document, name: value}), key)
    with pytest.raises(hashing.CheckpointError, match="另一把密钥"):
        hashing.read_checkpoint(json.dumps(document), hashing.checkpoint_key("another secret"))


@pytest.mark.parametrize(
    "text, words",
    [
        ("not json", "不是有效的 JSON"),
        ("[1]", "JSON 对象"),
        ('{"count": 1}', "缺少字段"),
    ],
)
def test_unreadable_checkpoints_are_named(text, words):
    with pytest.raises(hashing.CheckpointError, match=words):
        hashing.read_checkpoint(text, hashing.checkpoint_key("secret"))
