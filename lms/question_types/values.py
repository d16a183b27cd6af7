"""The values every question type shares: answer dataclasses and exact-decimal helpers (pure).

They live here rather than in the bank loader because the type modules build
them, and the loader asks the types: this way neither imports the other's
internals. `lms.question_bank.loader` re-exports them under their old names.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)
# Default weights are rounded like Moodle's own grade list (33.33333 %).
WEIGHT_QUANTUM = Decimal("0.00001")


@dataclass(frozen=True)
class Choice:
    """An option of a choice question. `key` (a, b, c …) is stable within the question, wherever it moves."""

    key: str
    text: str
    correct: bool
    weight: Decimal  # percent of the points, as in GIFT's %50%; negative for a penalised option
    feedback: str = ""


@dataclass(frozen=True)
class TextAnswer:
    """An accepted answer of a short-answer question; `*` in `text` stands for any characters."""

    text: str
    weight: Decimal = HUNDRED
    feedback: str = ""


@dataclass(frozen=True)
class NumericAnswer:
    """An accepted numeric answer: `value` ± `tolerance`."""

    value: Decimal
    tolerance: Decimal = Decimal(0)
    weight: Decimal = HUNDRED
    feedback: str = ""


@dataclass(frozen=True)
class RepOption:
    """An option as a rep sees it: the bank key (the exam maps it to its own token) and the text."""

    key: str
    text: str


@dataclass(frozen=True)
class Review:
    """What an authorised reviewer is shown as the right answer of a question."""

    correct_keys: tuple[str, ...] = ()  # option keys, for the option types
    accepted: tuple[str, ...] = ()  # answer texts, for the typed types


def format_decimal(value: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros: 100, 0.5, -33.33333."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def jsonable(value: Any) -> Any:
    """`value` with every Decimal written as text (JSON columns and content hashes)."""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def decimal_of(value: Any) -> Decimal | None:
    """A finite Decimal from a YAML scalar (int, float, text), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_number(text: str) -> Decimal | None:
    """A typed number as Decimal (full-width digits, a comma for thousands, a trailing % allowed)."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().replace(",", "").rstrip("%").strip()
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
