"""Render one part of the guide (the text under a heading) as Markdown.

The text comes in as one unbroken run. Structure is added, never words:

* hints from structure.yaml: inner headings ("## (一)指导思想"), glued lists,
  bold leads, paragraph breaks, and visible notes where the copy lost a
  formula, a table or a figure;
* tables from tables.yaml;
* label lists found in the prose itself: "要求:定期触达:…。有效倾听:…" becomes
  a bold group line and a bullet list, because the guide writes its
  enumerations as "label:text" after a full stop.

Every hint is located in order within the part's text and must be found,
so a stale hint stops the build instead of silently misplacing structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lms.guidebuild.errors import GuideError
from lms.guidebuild.hints import line_of
from lms.guidebuild.tables import Table, locate_tables

NOTE = "*「{}」*"  # visible editorial note; the coverage check knows to skip it

# A label opening an enumeration item: 2 to 12 characters without sentence
# punctuation, brackets of a formula or comparison signs, then ":", right
# after a full stop, semicolon, colon or the start of a chunk. It holds a
# Chinese character ("10:00" never counts) and no list separator opens it.
_LABEL = re.compile(
    r"(?:^|(?<=[。;:!]))"
    r"(\[[^\[\]。;:!?]{1,12}\]"  # a template placeholder such as "[CRM系统名称]"
    r"|(?=[^:]*?[\u4e00-\u9fff])[^,、/+。;:!?()“”《》【】\[\]=≤≥<>×*\x00\x01「」][^。;:!?()“”《》【】\[\]=≤≥<>×*\x00\x01「」]{1,11}):"
)
# A closing sentence ("通过以上…", "本章节旨在…") starts its own paragraph.
_CLOSER = re.compile(
    r"(?<=。)(?=通过以上|通过上述|通过实施|通过严格|通过这一系列|通过遵循|遵循以上|透过遵循|本章节|本总则|以上日常)"
)
# Inside a table cell, a numbered step ("2.分析冲突原因") or a level label
# after a full stop ("。进阶:") starts a new line.
_CELL_BREAK = re.compile(r"(?<=[\u4e00-\u9fff。)])(?=\d+\.[\u4e00-\u9fff])|(?<=。)(?=[^,。;:]{1,6}:)")
_NOTE_MARK = re.compile("\x00(\\d+)\x01")
_ESCAPES = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]", "*": "\\*", "_": "\\_", "|": "\\|"})


@dataclass(frozen=True)
class _Span:
    """A stretch of the part's text that renders as one block."""

    start: int
    end: int
    kind: str  # "heading", "list", "table"
    payload: object


@dataclass
class _Marks:
    """Positions inside prose: paragraph breaks, bold leads and notes."""

    breaks: set[int]
    leads: dict[int, int]  # start -> end
    notes: list[tuple[int, str, bool]]  # position, note, is_block


def render_part(text: str, hints: list, tables: list[Table], where: str) -> list[str]:
    """Return the Markdown blocks for `text` given its hints and tables.

    `where` names the hint file for error messages. Raises GuideError when
    a hint or table is not found in order, or two of them overlap.
    """
    spans, marks = _read_hints(text, hints, where)
    spans += [_Span(offset, offset + len(table.text), "table", table) for offset, table in locate_tables(text, tables)]
    spans.sort(key=lambda span: span.start)
    for first, second in zip(spans, spans[1:]):
        if second.start < first.end:
            raise GuideError(f"{where}: hints overlap at {text[second.start : second.start + 12]!r}")
    marks.breaks |= {match.start() for match in _CLOSER.finditer(text)}
    blocks, cursor = [], 0
    for span in spans:
        blocks += _prose(text, cursor, span.start, marks)
        blocks.append(_render_span(span))
        cursor = span.end
    return blocks + _prose(text, cursor, len(text), marks)


def escape(text: str) -> str:
    """Escape the characters Markdown would read as syntax."""
    return text.translate(_ESCAPES)


def table_markdown(table: Table) -> str:
    """A table as Markdown, with its caption as a bold line above it."""
    lines = [f"**{escape(table.caption)}**", ""] if table.caption else []
    lines.append(_row(table.header))
    lines.append("|" + " --- |" * len(table.header))
    lines += [_row(row) for row in table.rows]
    return "\n".join(lines)


def _row(cells: tuple[str, ...]) -> str:
    rendered = [escape(_CELL_BREAK.sub("\x02", cell)).replace("\x02", "<br>") for cell in cells]
    return "| " + " | ".join(rendered) + " |"


def _read_hints(text: str, hints: list, where: str) -> tuple[list[_Span], _Marks]:
    spans: list[_Span] = []
    marks = _Marks(breaks=set(), leads={}, notes=[])
    cursor = 0
    for hint in hints:
        anchor = _anchor(hint, where)
        found = text.find(anchor, cursor)
        if found < 0:
            raise GuideError(f"{where}:{line_of(hint)}: hint text {anchor!r} not found in order")
        end = found + len(anchor)
        # The next hint is searched from this one's start, so that a lead and a
        # note can share an anchor; spans that overlap are refused later.
        if isinstance(hint, str):
            level, title = hint.split(" ", 1)
            spans.append(_Span(found, end, "heading", (len(level), title)))
        elif "list" in hint:
            spans.append(_Span(found, end, "list", [str(item) for item in hint["list"]]))
        elif "lead" in hint:
            marks.leads[found] = end
        elif "break" in hint:
            marks.breaks.add(found)
        else:
            marks.notes.append((end, str(hint["note"]), bool(hint.get("block"))))
            if hint.get("block"):
                marks.breaks.add(end)  # a block note stands between paragraphs
        cursor = found
    return spans, marks


def _anchor(hint, where: str) -> str:
    """The guide text a hint points at; checks the hint's form."""
    if isinstance(hint, str):
        if not re.match(r"^#{2,4} \S", hint):
            raise GuideError(f"{where}:{line_of(hint)}: a heading hint looks like '## text'")
        return hint.split(" ", 1)[1]
    if not isinstance(hint, dict):
        raise GuideError(f"{where}:{line_of(hint)}: a hint is a heading string or a mapping")
    for key in ("list", "lead", "break"):
        if hint.get(key):
            return "".join(hint[key]) if key == "list" else str(hint[key])
    if hint.get("note") and hint.get("after"):
        return str(hint["after"])
    raise GuideError(f"{where}:{line_of(hint)}: a hint needs list, lead, break, or note with after")


def _render_span(span: _Span) -> str:
    if span.kind == "heading":
        level, title = span.payload
        return "#" * level + " " + escape(title)
    if span.kind == "list":
        return "\n".join("- " + escape(item) for item in span.payload)
    return table_markdown(span.payload)


def _prose(text: str, start: int, end: int, marks: _Marks) -> list[str]:
    """Render text[start:end]: paragraphs, leads, label lists and notes."""
    if start == end:  # e.g. a note right after a table that a heading follows
        return [("> " if block else "") + NOTE.format(note) for pos, note, block in marks.notes if pos == start]
    cuts = sorted({start, end} | {cut for cut in marks.breaks | set(marks.leads) if start < cut < end})
    blocks: list[str] = []
    for left, right in zip(cuts, cuts[1:]):
        notes = [(pos, note, block) for pos, note, block in marks.notes if left < pos <= right or pos == left == start]
        chunk, rendered_notes, block_notes = _with_notes(text, left, right, notes)
        lead_end = marks.leads.get(left)
        if lead_end:
            blocks.append(_lead_paragraph(chunk, lead_end - left, rendered_notes))
        elif chunk:
            blocks += _chunk(chunk, rendered_notes)
        blocks += [f"> {NOTE.format(note)}" for note in block_notes]
    return [block for block in blocks if block.strip()]


def _with_notes(text: str, left: int, right: int, notes: list) -> tuple[str, list[str], list[str]]:
    """Insert inline note markers into the chunk; return block notes apart."""
    inline = [(pos, note) for pos, note, block in notes if not block]
    pieces, cursor, rendered = [], left, []
    for pos, note in sorted(inline):
        pieces.append(text[cursor:pos] + f"\x00{len(rendered)}\x01")
        rendered.append(NOTE.format(note))
        cursor = pos
    pieces.append(text[cursor:right])
    return "".join(pieces), rendered, [note for _, note, block in sorted(notes) if block]


def _finish(markdown: str, notes: list[str]) -> str:
    return _NOTE_MARK.sub(lambda match: notes[int(match.group(1))], markdown)


def _lead_paragraph(chunk: str, lead_length: int, notes: list[str]) -> str:
    lead, rest = chunk[:lead_length], chunk[lead_length:]
    return _finish(f"**{escape(lead)}**" + (" " + escape(rest) if rest else ""), notes)


def _chunk(chunk: str, notes: list[str]) -> list[str]:
    """A run of prose: an opening paragraph, then label items as lists."""
    labels = [match for match in _LABEL.finditer(chunk) if not match.group(1).endswith("为")]
    if not labels:
        return [_finish(escape(chunk), notes)]
    if len(labels) == 1 and labels[0].end() == len(chunk):
        return [_finish(escape(chunk), notes)]  # "具体要求如下:" closing a paragraph
    blocks = [escape(chunk[: labels[0].start()])]
    items: list[str] = []
    for match, following in zip(labels, labels[1:] + [None]):
        body = chunk[match.end() : following.start() if following else len(chunk)]
        label = f"**{escape(match.group(1))}:**"
        if body:
            items.append(f"- {label}{escape(body)}")
            continue
        blocks += ["\n".join(items), label]  # a label with nothing before the next: a group title
        items = []
    blocks.append("\n".join(items))
    return [_finish(block, notes) for block in blocks if block]
