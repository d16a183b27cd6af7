"""GIFT, Moodle's text format for questions: a pure parser and writer.

Import understands categories (`$CATEGORY:`), names (`::name::`, kept as the
question's `name`), comment lines (`//`), the `[markdown]`, `[html]`,
`[plain]` (and `[moodle]`) text formats, the escapes `\\= \\~ \\# \\{ \\} \\:
\\\\ \\n`, general feedback `####…` (our explanation), and every answer block a
type of `lms.question_types` reads (each type's `gift_read`):

- choice: `{=right ~wrong}`; several right answers or percentage weights
  (`~%50%a ~%50%b ~%-100%c`) make a multiple-choice question; answers in
  mid-sentence make a missing-word question (the stem gets a `____` blank);
- true/false `{T}` `{FALSE#feedback when wrong#feedback when right}`;
- short answer `{=one =two =%50%three =*wildcard*}` (only `=` answers);
- numeric `{#2:0.5}`, `{#1..5}`, `{#=2:0 =%50%2:1}`, `{#3:2 ~#feedback for any other answer}`.

Moodle files also hold types this platform does not have: essay (`{}`),
matching (`->`), description (no braces) and cloze or multiple-blank
questions (several `{…}`, or Moodle's embedded `{1:SHORTANSWER:…}`). They
are skipped and listed with their line and type (`GiftImport.skipped`); with
`strict` they refuse the file. A syntax error always refuses the file,
naming the line: an import is all or nothing.

Moodle ignores comment lines, so the export keeps what GIFT has no syntax for
in them: `// [id:…] [tag:…]` (Moodle's own convention for id numbers and
tags) and `// lms: {…}` with clause, quote, points, dimension, level, unit and
review date. That is what makes an export of our banks import back to equal
questions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from lms import question_types
from lms.question_bank.loader import ID_PATTERN, BankError, BankLoadError, Question
from lms.question_types.gift_syntax import PLACEHOLDER, escape, protect, restore
from lms.question_types.values import format_decimal

BLANK = "____"
_FORMAT = re.compile(r"^\s*\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
_META = re.compile(r"^\s*//\s*lms:\s*(\{.*\})\s*$")
_MOODLE_TAG = re.compile(r"\[(id|tag):((?:[^\]\\]|\\.)*)\]")
# Moodle's embedded answers (cloze): {1:SHORTANSWER:=Berlin}, {:MC:~a~=b} …
_CLOZE = re.compile(
    r"^\s*\d*:(?:SHORTANSWER|SA|MW|SHORTANSWER_C|SAC|MWC|NUMERICAL|NM|MULTICHOICE\w*|MC\w*"
    r"|MULTIRESPONSE\w*|MR\w*):",
    re.IGNORECASE,
)
UNSUPPORTED = {"essay": "问答题", "matching": "匹配题", "description": "描述题", "cloze": "完形填空（多空）题"}


@dataclass(frozen=True)
class GiftQuestion:
    """A parsed question, the `$CATEGORY` it was under (None before any category) and its GIFT name."""

    question: Question
    category: str | None
    name: str | None


@dataclass(frozen=True)
class SkippedQuestion:
    """A question of a type this platform does not have, left out of the import."""

    file: str
    line: int
    kind: str  # essay | matching | description | cloze
    name: str | None

    @property
    def label(self) -> str:
        return f"{UNSUPPORTED[self.kind]}（{self.kind}）"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.label}" + (f"「{self.name}」" if self.name else "")


@dataclass(frozen=True)
class GiftImport:
    """What a GIFT file holds: the importable questions in file order, and the skipped ones."""

    questions: list[GiftQuestion] = field(default_factory=list)
    skipped: list[SkippedQuestion] = field(default_factory=list)


def _blocks(text: str):
    """Yield (first line number, lines) of each blank-line-separated block."""
    block, start = [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def parse_gift(text: str, file: str = "<gift>", id_prefix: str = "gift", strict: bool = False) -> GiftImport:
    """Parse GIFT `text` into questions, in file order, skipping the types we do not have.

    Questions without a usable name get the id `<id_prefix>-<n>` (n counts every
    question of the file). Raises BankLoadError listing every malformed
    question (file, line, name) and returns nothing in that case; with
    `strict`, a question of an unsupported type is such an error too.
    """
    result, errors, category, seen = GiftImport(), [], None, 0
    for start, lines in _blocks(text.removeprefix("\ufeff")):
        comments = [line for line in lines if line.lstrip().startswith("//")]
        # Comment lines are blanked, not removed, so offsets still map to line numbers.
        body_lines = ["" if line.lstrip().startswith("//") else line for line in lines]
        while body_lines and (not body_lines[0].strip() or body_lines[0].strip().startswith("$CATEGORY:")):
            line = body_lines.pop(0).strip()
            if line:
                category = line[len("$CATEGORY:") :].strip()
            start += 1
        if not "".join(body_lines).strip():
            continue
        seen += 1
        try:
            parsed = _parse_block("\n".join(body_lines), comments, start, file, f"{id_prefix}-{seen}")
        except _GiftProblem as problem:
            errors.append(BankError(file, problem.line, problem.message, problem.name))
            continue
        if isinstance(parsed, SkippedQuestion):
            if strict:
                errors.append(BankError(file, parsed.line, f"{parsed.label}不支持导入（--strict）", parsed.name))
            else:
                result.skipped.append(parsed)
            continue
        question, name = parsed
        result.questions.append(GiftQuestion(question, category, name))
    if errors:
        raise BankLoadError(errors)
    return result


class _GiftProblem(Exception):
    def __init__(self, line: int, message: str, name: str | None):
        super().__init__(message)
        self.line, self.message, self.name = line, message, name


def _answer_blocks(text: str, line_of) -> list[tuple[int, int]]:
    """(open, close) offsets of every `{…}` in `text`; _GiftProblem for an unbalanced brace."""
    spans, index = [], 0
    while True:
        open_at, stray = text.find("{", index), text.find("}", index)
        if 0 <= stray < open_at or (open_at < 0 <= stray):
            raise _GiftProblem(line_of(stray), "多余的右花括号 }（如需字面的 } 请写 \\}）", None)
        if open_at < 0:
            return spans
        close_at, nested = text.find("}", open_at), text.find("{", open_at + 1)
        if close_at < 0 or (0 <= nested < close_at):
            raise _GiftProblem(line_of(open_at), "花括号 { 没有闭合（如需字面的 { 或 } 请写 \\{ \\}）", None)
        spans.append((open_at, close_at))
        index = close_at + 1


def _unsupported_kind(spans: list[tuple[int, int]], text: str) -> str | None:
    if not spans:
        return "description"
    if len(spans) > 1 or _CLOZE.match(text[spans[0][0] + 1 : spans[0][1]]):
        return "cloze"
    body = text[spans[0][0] + 1 : spans[0][1]].partition("####")[0].strip()
    if not body:
        return "essay"
    if "->" in body:
        return "matching"
    return None


def _parse_block(raw: str, comments: list[str], start: int, file: str, fallback_id: str):
    """(Question, name) for a supported question, a SkippedQuestion, or _GiftProblem."""
    full = text = protect(raw)
    name = None
    stripped = text.lstrip()
    if stripped.startswith("::"):
        end = stripped.find("::", 2)
        if end < 0:
            raise _GiftProblem(start, "题目名称缺少结尾的 ::", None)
        name = restore(stripped[2:end])
        text = stripped[end + 2 :]

    def line_of(offset: int) -> int:
        return start + full.count("\n", 0, len(full) - len(text) + offset)

    try:
        spans = _answer_blocks(text, line_of)
    except _GiftProblem as problem:
        raise _GiftProblem(problem.line, problem.message, name) from None
    kind = _unsupported_kind(spans, text)
    if kind:
        return SkippedQuestion(file, start, kind, name)
    ((open_at, close_at),) = spans
    prefix, answer, suffix = text[:open_at], text[open_at + 1 : close_at], text[close_at + 1 :]
    text_format = "markdown"
    match = _FORMAT.match(prefix)
    if match:
        text_format = {"moodle": "plain"}.get(match.group(1).lower(), match.group(1).lower())
        prefix = prefix[match.end() :]
    stem = restore(prefix)
    if restore(suffix):
        # Missing word: the blank goes where the answers were, spacing kept as written.
        stem = f"{restore(prefix, strip=False).lstrip()}{BLANK}{restore(suffix, strip=False).rstrip()}"
    meta = _metadata(comments, start, name)
    qid = meta.pop("id", None) or (name if name and ID_PATTERN.match(name) else fallback_id)
    try:
        fields = _parse_answer(answer)
    except ValueError as error:
        raise _GiftProblem(line_of(open_at), str(error), name) from None
    # A name that is only the id adds nothing (our own export writes ::id::).
    kept_name = name if name and name != qid else ""
    question = Question(
        id=qid,
        stem=stem,
        text_format=text_format,
        file=file,
        line=start,
        name=kept_name,
        points=Decimal(str(meta.pop("points", 1))),
        clause=str(meta.pop("clause", "")),
        quote=meta.pop("quote", ""),
        **fields,
        **meta,
    )
    return question, name


def _metadata(comments: list[str], line: int, name: str | None) -> dict:
    """Read `// [id:…] [tag:…]` and `// lms: {…}` comment lines."""
    meta: dict = {}
    tags = []
    for comment in comments:
        match = _META.match(comment)
        if match:
            try:
                data = json.loads(match.group(1))
            except json.JSONDecodeError:
                raise _GiftProblem(line, "// lms: 注释中的 JSON 无效", name) from None
            allowed = {"clause", "quote", "points", "dimension", "level", "unit", "reviewed"}
            meta.update({key: value for key, value in data.items() if key in allowed})
            continue
        for kind, value in _MOODLE_TAG.findall(comment):
            value = re.sub(r"\\(.)", r"\1", value).strip()
            if kind == "id" and "id" not in meta and ID_PATTERN.match(value):
                meta["id"] = value
            elif kind == "tag" and value:
                tags.append(value)
    if tags:
        meta["tags"] = tuple(tags)
    return meta


def _parse_answer(answer: str) -> dict:
    """The fields of the answer block, from the first type (in GIFT order) that reads it."""
    body, _, general = answer.partition("####")
    body = body.strip()
    for kind in question_types.gift_readers():
        fields = kind.gift_read(body)
        if fields is not None:
            return {"explanation": restore(general), **fields}
    raise ValueError("答案应以 = 或 ~ 开头，例如 {=正确答案 ~错误答案}")


# --- writing --------------------------------------------------------------------------------


def write_question(question: Question) -> str:
    """One question as a GIFT block (comment metadata, one `::name::` line, answers)."""
    tags = "".join(f" [tag:{tag.replace(']', chr(92) + ']')}]" for tag in question.tags)
    meta = {"clause": question.clause, "quote": question.quote, "points": format_decimal(question.points)}
    meta.update(
        {key: getattr(question, key) for key in ("dimension", "level", "unit", "reviewed") if getattr(question, key)}
    )
    stem = question.stem
    head, blank, tail = stem.partition(BLANK)
    opening = f"{escape(head)}{{" if blank else f"{escape(head)} {{"
    lines = [
        f"// [id:{question.id}]{tags}",
        "// lms: " + json.dumps(meta, ensure_ascii=False),
        f"::{escape(question.name or question.id)}::[{question.text_format}]{opening}",
    ]
    lines += [f"  {line}" for line in question.kind.gift_write(question)]
    if question.explanation:
        lines.append(f"  ####{escape(question.explanation)}")
    lines.append("}" + (escape(tail) if blank else ""))
    return "\n".join(lines)


def write_gift(sections: list[tuple[str | None, list[Question] | tuple[Question, ...]]]) -> str:
    """A GIFT file: for each (category, questions) a `$CATEGORY:` line and the questions."""
    blocks = []
    for category, questions in sections:
        if category:
            blocks.append(f"$CATEGORY: {category}")
        blocks += [write_question(question) for question in questions]
    return "\n\n".join(blocks) + "\n"


__all__ = [
    "BLANK",
    "PLACEHOLDER",
    "GiftImport",
    "GiftQuestion",
    "SkippedQuestion",
    "escape",
    "parse_gift",
    "write_gift",
    "write_question",
]
