"""Split the cleaned guide into chapters, sections and sub-sections.

The copy glues every heading to the text after it ("1.1制订依据与施行目标本管理
指南的制订…"), so where a title ends cannot be read from the text alone. The
outline in `content/source/structure.yaml` gives each heading exactly as the
cleaned guide has it; the build finds them in order and cuts there.

Clause ids: a chapter's preamble is keyed by the chapter number ("1" … "7"),
a section by its number ("1.1" … "7.4"), a sub-section ("7.1.1") by its own
number inside its section's lesson. The copy restarts chapter 7 with a second
"7.1业绩评估维度与标准" after 7.4 (the source is truncated there); that
section is keyed "7.1b" so that ids stay unique and the first 7.1 keeps its
key. The outline says so explicitly for that entry. The sentence at the end
of 2.3 that names "2.3利益冲突规避机制" again is text, not a heading; the
outline lists it under `not_headings`, and any other heading-like number
that the outline does not account for stops the build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lms.guidebuild.clauses import CHAPTER_NUMERALS, clause_marks
from lms.guidebuild.errors import GuideError
from lms.guidebuild.hints import LINE, line_of, read_document

_NUMBER = re.compile(rf"^(?:(?P<chapter>[{CHAPTER_NUMERALS}])、|(?P<section>\d+(?:\.\d+)+))")


@dataclass(frozen=True)
class Heading:
    """One outline entry: the heading text as in the guide and its clause id."""

    text: str
    clause: str
    number: str  # as printed: "一、", "1.1", "7.1.1"
    title: str
    line: int = 0

    @property
    def depth(self) -> int:
        """1 for a chapter, 2 for a section, 3 for a sub-section."""
        return 1 if self.number.endswith("、") else self.number.count(".") + 1


@dataclass(frozen=True)
class Part:
    """A heading and the guide text that follows it up to the next heading."""

    heading: Heading
    text: str
    start: int  # offset of the heading in the cleaned guide


@dataclass(frozen=True)
class Outline:
    """The reviewed outline: course title, headings, non-headings, lesson hints."""

    title: str
    headings: list[Heading]
    not_headings: list[str]
    lessons: dict[str, dict] = field(default_factory=dict)


def load_outline(path: Path) -> Outline:
    """Read structure.yaml; errors name the file and line."""
    path = Path(path)
    document = read_document(path)
    headings = [_heading(path, entry) for entry in document.get("outline") or []]
    if not headings:
        raise GuideError(f"{path}:1: the outline is empty")
    seen: dict[str, int] = {}
    for heading in headings:
        if heading.clause in seen:
            raise GuideError(f"{path}:{heading.line}: clause {heading.clause} used before, line {seen[heading.clause]}")
        seen[heading.clause] = heading.line
    lessons = document.get("lessons") or {}
    return Outline(
        title=str(document.get("title") or ""),
        headings=headings,
        not_headings=[str(text) for text in document.get("not_headings") or []],
        lessons={str(key): value for key, value in lessons.items() if key != LINE},
    )


def split_guide(text: str, outline: Outline, path: Path) -> list[Part]:
    """Cut the cleaned guide at every outline heading, in order.

    Raises GuideError when the guide does not start with the course title,
    when a heading is not found after the previous one, or when the text
    holds a heading-like number the outline does not account for.
    """
    if not text.startswith(outline.title) or not outline.title:
        raise GuideError(f"{path}: the guide does not start with the title {outline.title!r}")
    starts, cursor = [], len(outline.title)
    for heading in outline.headings:
        found = text.find(heading.text, cursor)
        if found < 0:
            raise GuideError(f"{path}:{heading.line}: heading {heading.text!r} not found after offset {cursor}")
        if found != cursor and heading is outline.headings[0]:
            raise GuideError(f"{path}:{heading.line}: text between the title and the first heading")
        starts.append(found)
        cursor = found + len(heading.text)
    _refuse_unknown_headings(text, starts, outline, path)
    ends = starts[1:] + [len(text)]
    return [
        Part(heading=heading, text=text[start + len(heading.text) : end], start=start)
        for heading, start, end in zip(outline.headings, starts, ends)
    ]


def _refuse_unknown_headings(text: str, starts: list[int], outline: Outline, path: Path) -> None:
    known = set(starts)
    allowed = [text.find(sentence) + sentence.find(_first_number(sentence)) for sentence in outline.not_headings]
    for offset, clause in clause_marks(text):
        if offset in known or offset in allowed:
            continue
        raise GuideError(
            f"{path}: the guide has a heading-like {clause!r} at offset {offset} "
            f"(…{text[max(0, offset - 10) : offset + 16]}…) that the outline does not list; "
            "add it to the outline or to not_headings"
        )


def _first_number(sentence: str) -> str:
    match = re.search(r"\d+(?:\.\d+)+", sentence)
    if not match:
        raise GuideError(f"not_headings entry {sentence!r} has no section number")
    return match.group()


def _heading(path: Path, entry) -> Heading:
    line = line_of(entry)
    if isinstance(entry, str):
        entry = {"heading": entry}
    text = str(entry.get("heading", ""))
    match = _NUMBER.match(text)
    if not match:
        raise GuideError(f"{path}:{line}: outline heading {text!r} does not start with a number")
    number = match.group()
    chapter = match.group("chapter")
    default = str(CHAPTER_NUMERALS.index(chapter) + 1) if chapter else number
    return Heading(
        text=text,
        clause=str(entry.get("clause", default)),
        number=number,
        title=text[len(number) :],
        line=line,
    )
