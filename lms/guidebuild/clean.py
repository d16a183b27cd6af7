"""Turn the guide's raw body into clean Simplified Chinese text.

Order matters: the errata are written against the raw copy, so they go
first; then the pinyin annotations go, then any garbling left over stops the
build, then the icon glyphs go, and last the script is converted (OpenCC
`t2s`). The result is "the cleaned guide", the text every lesson is cut
from and the coverage test compares the lessons with.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import opencc

from lms.guidebuild.clauses import clause_at
from lms.guidebuild.errata import Erratum, apply_errata
from lms.guidebuild.errors import GuideError

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# A pinyin annotation: lower-case letters in ASCII parentheses with at least
# one tone mark. Real Latin content in parentheses, (CRM), (KPIs), (S),
# (PIP), (NPS), is upper-case or toneless and so never matches.
PINYIN = re.compile(rf"\([a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*\)")

# Characters that only garbling leaves: "?" from an undecodable byte pair,
# Private-Use-Area characters from the GBK user-defined rows, U+FFFD.
_GARBLE = re.compile("[?\ufffd\ue000-\uf8ff]")

# In the original a bullet or icon stood before these; the copy shows "?".
ICON_TARGETS = ("【", "[", "表", "備注", "備註", "職責", "有效溝通", "客戶挽回", "共識達")


def clean_guide(body: str, errata: list[Erratum], errata_path: Path) -> str:
    """Return the cleaned guide: errata applied, pinyin and icons gone, Simplified."""
    text = drop_pinyin(apply_errata(body, errata, errata_path))
    places = garbled_places(text)
    if places:
        raise GuideError(_garble_report(text, places, errata_path))
    return to_simplified(drop_icons(text))


def drop_pinyin(text: str) -> str:
    """Remove every pinyin annotation such as `(tuán)`."""
    return PINYIN.sub("", text)


def is_icon(text: str, offset: int) -> bool:
    """Tell whether the "?" at `offset` is a lost bullet or icon glyph.

    It is when a known heading word follows and nothing garbled precedes it.
    """
    before = text[offset - 1] if offset else "。"
    return (
        text[offset] == "?"
        and text.startswith(ICON_TARGETS, offset + 1)
        and not _GARBLE.match(before)
        and not (before.isascii() and before.isalnum())
    )


def garbled_places(text: str) -> list[int]:
    """Return the offsets of garbling left in `text` (icons excepted)."""
    return [match.start() for match in _GARBLE.finditer(text) if not is_icon(text, match.start())]


def drop_icons(text: str) -> str:
    """Remove the "?" glyphs that stood for bullets or icons."""
    return "".join(char for offset, char in enumerate(text) if char != "?" or not is_icon(text, offset))


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional to Simplified Chinese with OpenCC's t2s profile."""
    return _converter().convert(text)


def _garble_report(text: str, places: list[int], errata_path: Path) -> str:
    lines = [f"garbled text with no entry in {errata_path}:"]
    for offset in places[:10]:
        context = text[max(0, offset - 12) : offset + 12]
        lines.append(f"  clause {clause_at(text, offset)}, body offset {offset}: …{context}…")
    if len(places) > 10:
        lines.append(f"  … and {len(places) - 10} more")
    lines.append("Read the context, add the repair to the errata file, and build again.")
    return "\n".join(lines)
