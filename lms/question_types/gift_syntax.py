"""GIFT's lexical layer, shared by the file parser (`lms.question_bank.gift`) and the type modules.

Escaped characters are swapped for private-use placeholders while a block is
split, so `\\=` or `\\#` in a text never reads as syntax; `restore` puts them back.
"""

from __future__ import annotations

import re
from decimal import Decimal

from lms.question_types.values import HUNDRED, format_decimal

ESCAPABLE = "\\=~#{}:"
PLACEHOLDER = {char: chr(0xE000 + index) for index, char in enumerate(ESCAPABLE)}
NEWLINE = chr(0xE010)  # the `\n` escape: kept apart from real line breaks until the end
_RESTORE = {**{value: key for key, value in PLACEHOLDER.items()}, NEWLINE: "\n"}
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def protect(text: str) -> str:
    """`text` with each escape (`\\=` … `\\n`) replaced by its placeholder."""
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            if following in PLACEHOLDER:
                out.append(PLACEHOLDER[following])
                index += 2
                continue
            if following == "n":
                out.append(NEWLINE)
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def restore(text: str, strip: bool = True) -> str:
    """Placeholders back to the characters they stand for."""
    restored = "".join(_RESTORE.get(char, char) for char in text)
    return restored.strip() if strip else restored


def split_feedback(token: str) -> tuple[str, str]:
    """`answer#feedback` → (answer, feedback), both restored."""
    text, _, feedback = token.partition("#")
    return restore(text), restore(feedback)


def weight_of(token: str) -> tuple[Decimal | None, str]:
    """A leading `%50%` as Decimal and the rest; (None, token) without one. ValueError outside ±100."""
    match = _WEIGHT.match(token)
    if not match:
        return None, token
    weight = Decimal(match.group(1))
    if not -HUNDRED <= weight <= HUNDRED:
        raise ValueError(f"百分比 {weight}% 超出 -100% 到 100%")
    return weight, token[match.end() :]


def answer_tokens(body: str) -> list[tuple[str, str]]:
    """The `=…` and `~…` answers of a block body, as (marker, text) pairs."""
    return re.findall(r"([=~])([^=~]*)", body)


def escape(text: str) -> str:
    """Escape GIFT's special characters and newlines in `text`."""
    out = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        out = out.replace(char, "\\" + char)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def weight_text(weight: Decimal) -> str:
    """A weight as GIFT writes it: `%50%`."""
    return f"%{format_decimal(weight)}%"


def with_feedback(text: str, feedback: str) -> str:
    """An escaped answer text with its `#feedback`, if any."""
    return escape(text) + (f"#{escape(feedback)}" if feedback else "")
