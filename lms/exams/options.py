"""Opaque option values: what a rep's browser receives for each option of a paper.

The bank's option keys (`a`, `b`, `true` …) never leave the server on an exam
page: in a bank whose authors favour one position or one truth value, the key
alone tells the answer. Each option is sent as a token derived with HMAC over
the app's secret, the attempt, the slot and the key, so a token
- means nothing outside its attempt and slot (another paper's tokens differ),
- cannot be forged or mapped back to a key without the secret,
- is stable for the attempt (a reload or another device shows the same values).
Answers are stored and graded with the bank keys; tokens exist only on the wire.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

TOKEN_LENGTH = 16  # hex characters: 64 bits, far beyond guessing within an attempt
UNKNOWN = "\x00unknown"  # what an unknown token decodes to: no option has this key, so cleaning refuses it


def app_secret() -> bytes:
    """The key tokens are derived with (the app's SECRET_KEY)."""
    return str(current_app.config["SECRET_KEY"]).encode()


def token(attempt_id: int, slot_id: int, key: str, secret: bytes | None = None) -> str:
    """The value sent for option `key` of slot `slot_id` on attempt `attempt_id`."""
    message = f"exam-option\x1f{attempt_id}\x1f{slot_id}\x1f{key}".encode()
    return hmac.new(secret or app_secret(), message, hashlib.sha256).hexdigest()[:TOKEN_LENGTH]


def tokens_for(attempt_id: int, slot_id: int, keys, secret: bytes | None = None) -> dict[str, str]:
    """key -> token for every option of a slot (`keys` in the paper's order)."""
    secret = secret or app_secret()
    return {key: token(attempt_id, slot_id, key, secret) for key in keys}


def decode(raw, table: dict[str, str]):
    """A submitted value (a token or a list of tokens) as bank keys; unknown tokens become UNKNOWN.

    `table` is tokens_for(...) of the slot. Empty values stay empty (they clear the answer);
    anything that is not a string or a list of strings is returned as it came, for the
    answer cleaning to refuse.
    """
    keys = {value: key for key, value in table.items()}
    if isinstance(raw, list):
        return [keys.get(value, UNKNOWN) if isinstance(value, str) and value else value for value in raw]
    if isinstance(raw, str) and raw:
        return keys.get(raw, UNKNOWN)
    return raw


def encode_response(response: dict | None, table: dict[str, str]) -> dict | None:
    """A stored answer ({"choices": [keys]}) with tokens in place of keys, to pre-fill the page."""
    if not response or "choices" not in response:
        return response
    return {**response, "choices": [table[key] for key in response["choices"] if key in table]}
