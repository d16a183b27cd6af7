"""The ledger's canonical encoding and hash chain (issue 14, 1). Pure: no Flask, no database.

An entry's hash is sha256 over the UTF-8 bytes of one JSON object holding
every field of the entry plus the previous entry's hash, in the canonical
form of RFC 8785 (JCS): keys sorted by UTF-16 code units, no whitespace,
strings escaped only where JSON requires it. The first entry's previous hash
is `GENESIS`. Changing any field of any entry changes its hash, which no
longer matches the `prev_hash` of the entry after it; removing an entry
leaves a gap in the sequence numbers and a `prev_hash` that points at the
wrong entry.

The values a payload may hold are kept to those whose JSON text has exactly
one spelling in Python and in RFC 8785 alike, so the stdlib encoder yields
the canonical bytes:

- strings, booleans, None, lists, and objects with string keys;
- integers within ±(2**53 - 1) (RFC 8785 writes numbers as IEEE doubles, so
  larger ones would lose digits);
- `Decimal`, `datetime` and `date` become strings (a score of 87.5 is
  ``Decimal("87.5")`` → ``"87.5"``; times are naive UTC, written
  ``2026-12-01T08:30:00.000000Z``), enums their value.

Floats are refused rather than rounded: 0.1 + 0.2 has no spelling both
sides agree on, and a fact must hash the same on every machine for ever.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

GENESIS = "0" * 64
"""The `prev_hash` of the first entry."""

MAX_SAFE_INTEGER = 2**53 - 1
TIME_LENGTH = len("2026-12-01T08:30:00.000000Z")

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False)


class NotCanonical(ValueError):
    """A payload value that has no single canonical JSON spelling (a float, a huge integer, a non-string key…)."""


def format_time(moment: datetime) -> str:
    """A naive UTC datetime as the ledger writes it: always microseconds, always ``Z``."""
    if moment.tzinfo is not None:
        raise NotCanonical(f"时间必须是无时区的 UTC 时间（lms.clock.now() 的形式），收到 {moment.isoformat()}")
    if not 1000 <= moment.year <= 9999:
        raise NotCanonical(f"年份超出 1000–9999：{moment.isoformat()}")
    return moment.isoformat(timespec="microseconds") + "Z"


def normalise(value, path: str = "payload"):
    """Return `value` made of JSON types only, objects in canonical key order; raise NotCanonical otherwise."""
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str):
            _check_text(value, path)
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return normalise(value.value, path)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise NotCanonical(f"{path}：整数 {value} 超出 ±(2^53-1)，请以字符串记录")
        return int(value)
    if isinstance(value, float):
        raise NotCanonical(f"{path}：不接受浮点数 {value!r}，请用 Decimal 或字符串（如分数 Decimal('87.5')）")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotCanonical(f"{path}：{value} 不是有限数")
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{path}：对象的键必须是字符串，收到 {key!r}")
            _check_text(key, path)
            items.append((key, normalise(item, f"{path}.{key}")))
        # RFC 8785 orders keys by UTF-16 code units; big-endian UTF-16 bytes sort the same way.
        items.sort(key=lambda pair: pair[0].encode("utf-16-be"))
        return dict(items)
    if isinstance(value, list | tuple):
        return [normalise(item, f"{path}[{index}]") for index, item in enumerate(value)]
    raise NotCanonical(f"{path}：不支持的类型 {type(value).__name__}")


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise NotCanonical(f"{path}：文本含有无法编码为 UTF-8 的字符（孤立代理项）") from error


def canonical_json(value) -> str:
    """The RFC 8785 canonical JSON text of `value` (see the module docstring for what it accepts)."""
    return _ENCODER.encode(normalise(value))


@dataclass(frozen=True)
class EntryFields:
    """Everything an entry's hash covers, as stored: `payload` is the canonical JSON text of the payload."""

    seq: int
    subject_id: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: int | None
    source: str
    payload: str
    supersedes: int | None
    backfilled: bool
    prev_hash: str


def entry_document(fields: EntryFields) -> dict:
    """The object whose canonical JSON an entry's hash is taken over (the slow, obviously correct form)."""
    return {
        "backfilled": fields.backfilled,
        "kind": fields.kind,
        "occurred_at": fields.occurred_at,
        "payload": json.loads(fields.payload),
        "prev_hash": fields.prev_hash,
        "recorded_at": fields.recorded_at,
        "recorded_by": fields.recorded_by,
        "seq": fields.seq,
        "source": fields.source,
        "subject_id": fields.subject_id,
        "supersedes": fields.supersedes,
    }


_dumps_text = _ENCODER.encode


def entry_bytes(
    seq,
    subject_id,
    kind,
    occurred_at: str,
    recorded_at: str,
    recorded_by,
    source,
    payload: str,
    supersedes,
    backfilled,
    prev_hash: str,
) -> bytes:
    """The canonical bytes of one entry from its stored values, times already written by `format_time`.

    It spells out `canonical_json(entry_document(...))` field by field, keys
    already in order, the payload's stored canonical text copied as is
    (re-parsing and re-encoding every payload would cost most of the work).
    Appends hash through it; `lms record verify` has the database spell the
    same bytes (service.entry_document_sql, compared with this function in
    tests/record/test_verify_sql.py). tests/record/test_hashing.py checks that
    both Python forms give the same bytes. Copying stored text stays
    unambiguous because every other field has one spelling without a bare
    quote: strings are JSON-escaped, numbers are ints, hashes hex, and a time
    is refused unless it is exactly 27 characters without a quote.
    """
    if len(occurred_at) != TIME_LENGTH or len(recorded_at) != TIME_LENGTH or '"' in occurred_at + recorded_at:
        raise NotCanonical(f"时间的存储形式不对：{occurred_at!r}、{recorded_at!r}")
    return (
        f'{{"backfilled":{"true" if backfilled else "false"},"kind":{_dumps_text(kind)},'
        f'"occurred_at":"{occurred_at}","payload":{payload},"prev_hash":"{prev_hash}",'
        f'"recorded_at":"{recorded_at}","recorded_by":{"null" if recorded_by is None else int(recorded_by)},'
        f'"seq":{int(seq)},"source":{_dumps_text(source)},"subject_id":{int(subject_id)},'
        f'"supersedes":{"null" if supersedes is None else int(supersedes)}}}'
    ).encode()


def entry_hash(fields: EntryFields) -> str:
    """The hex sha256 of an entry's canonical bytes."""
    return hashlib.sha256(
        entry_bytes(
            fields.seq,
            fields.subject_id,
            fields.kind,
            format_time(fields.occurred_at),
            format_time(fields.recorded_at),
            fields.recorded_by,
            fields.source,
            fields.payload,
            fields.supersedes,
            fields.backfilled,
            fields.prev_hash,
        )
    ).hexdigest()


# Checkpoints: a signed head of the chain, kept outside the system.

CHECKPOINT_FORMAT = "lms-record-checkpoint/1"
_CHECKPOINT_FIELDS = ("format", "count", "hash", "at", "key_id", "signature")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read, or whose signature does not hold."""


def checkpoint_key(secret: str | bytes) -> bytes:
    """The HMAC key for checkpoints, derived from the app's secret so it is not the session-signing key itself."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, b"lms record checkpoint v1", hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    """A short public name of a checkpoint key, so a file signed with another key is named as such."""
    return hashlib.sha256(b"key id:" + key).hexdigest()[:16]


def _signed_text(count: int, head_hash: str, at: str, kid: str) -> bytes:
    document = {"format": CHECKPOINT_FORMAT, "count": count, "hash": head_hash, "at": at, "key_id": kid}
    return canonical_json(document).encode("utf-8")


def sign_checkpoint(key: bytes, count: int, head_hash: str, at: datetime) -> dict:
    """The checkpoint document for a chain of `count` entries whose last hash is `head_hash`, signed with `key`."""
    stamp, kid = format_time(at), key_id(key)
    signature = hmac.new(key, _signed_text(count, head_hash, stamp, kid), hashlib.sha256).hexdigest()
    return {
        "format": CHECKPOINT_FORMAT,
        "count": count,
        "hash": head_hash,
        "at": stamp,
        "key_id": kid,
        "signature": signature,
    }


def read_checkpoint(text: str, key: bytes) -> dict:
    """Parse a checkpoint file's text and check its signature with `key`; raise CheckpointError (in Chinese)."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise CheckpointError(f"检查点文件不是有效的 JSON：{error}") from error
    if not isinstance(document, dict):
        raise CheckpointError("检查点文件应是一个 JSON 对象")
    missing = [name for name in _CHECKPOINT_FIELDS if name not in document]
    if missing:
        raise CheckpointError("检查点文件缺少字段：" + "、".join(missing))
    if document["format"] != CHECKPOINT_FORMAT:
        raise CheckpointError(f"不认识的检查点格式 {document['format']!r}（应为 {CHECKPOINT_FORMAT}）")
    count, head_hash = document["count"], document["hash"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise CheckpointError(f"检查点的 count 应是非负整数，收到 {count!r}")
    if not (isinstance(head_hash, str) and len(head_hash) == 64 and all(c in "0123456789abcdef" for c in head_hash)):
        raise CheckpointError("检查点的 hash 应是 64 位小写十六进制")
    if not all(isinstance(document[name], str) for name in ("at", "key_id", "signature")):
        raise CheckpointError("检查点的 at、key_id、signature 应是字符串")
    if document["key_id"] != key_id(key):
        raise CheckpointError(
            f"检查点由另一把密钥签名（key_id {document['key_id']}，本系统为 {key_id(key)}）："
            "SECRET_KEY 已更换，或文件不是本系统生成的"
        )
    expected = hmac.new(
        key, _signed_text(count, head_hash, document["at"], document["key_id"]), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, document["signature"]):
        raise CheckpointError("检查点签名无效：文件内容被改动过")
    return document
