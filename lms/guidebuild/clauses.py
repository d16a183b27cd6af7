"""Find which clause of the guide a position in its text belongs to.

Used to name the place in error messages and to check that every erratum
says the right clause. It reads only the numbering that the copy glues to
its headings (`一、` … `七、`, `1.1`, `7.1.1`), so it works on the raw copy
(Traditional, with pinyin) as well as on the cleaned text, without hints.
"""

from __future__ import annotations

import re

CHAPTER_NUMERALS = "一二三四五六七八九十"

# A chapter numeral with its comma, or a section number glued to the Chinese
# heading text after it ("1.1制订依据…"). The look-behind keeps "0.3", "2.35"
# and similar figures from counting.
_MARK = re.compile(
    rf"(?P<chapter>[{CHAPTER_NUMERALS}])、"
    r"|(?<![\d.])(?P<section>[1-9]\.[1-9](?:\.[1-9])?)(?=[\u4e00-\u9fff])"
)


def clause_marks(text: str) -> list[tuple[int, str]]:
    """Return (offset, clause id) for every numbering mark in `text`, in order.

    A section number that goes backwards (the copy restarts chapter 7 with a
    second "7.1" after 7.4) gets the suffix "b", the key the build gives that
    restarted section; see structure.py.
    """
    marks: list[tuple[int, str]] = []
    highest: tuple[int, ...] = ()
    for match in _MARK.finditer(text):
        if match.group("chapter"):
            clause = str(CHAPTER_NUMERALS.index(match.group("chapter")) + 1)
            highest = (int(clause),)
        else:
            clause = match.group("section")
            number = tuple(int(part) for part in clause.split("."))
            if number < highest[: len(number)]:
                clause += "b"
            else:
                highest = number
        marks.append((match.start(), clause))
    return marks


def clause_at(text: str, offset: int, marks: list[tuple[int, str]] | None = None) -> str:
    """Return the clause id in force at `offset` of `text` ("front" before chapter 一)."""
    clause = "front"
    for start, mark in marks if marks is not None else clause_marks(text):
        if start > offset:
            break
        clause = mark
    return clause
