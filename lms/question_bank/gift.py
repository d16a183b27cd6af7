"""GIFT, Moodle's text format for questions: a pure parser and writer.

Import understands categories (`$CATEGORY:`), names (`::name::`), comment
lines (`//`), the `[markdown]`, `[html]`, `[plain]` (and `[moodle]`) text
formats, the escapes `\\= \\~ \\# \\{ \\} \\: \\\\ \\n`, and these answer blocks:

- choice: `{=right ~wrong}`; several right answers or percentage weights
  (`~%50%a ~%50%b ~%-100%c`) make a multiple-choice question; answers in
  mid-sentence make a missing-word question (the stem gets a `____` blank);
- true/false `{T}` `{FALSE#feedback when wrong#feedback when right}`;
- short answer `{=one =two =%50%three}` (only `=` answers);
- numeric `{#2:0.5}`, `{#1..5}`, `{#=2:0 =%50%2:1}`;
- per-answer feedback `#…` and general feedback `####…` (our explanation).

Matching (`->`), essay (`{}`) and description (no braces) questions are
refused with a message: our banks have no such types.

Moodle ignores comment lines, so the export keeps what GIFT has no syntax for
in them: `// [id:…] [tag:…]` (Moodle's own convention for id numbers and
tags) and `// lms: {…}` with clause, quote, points, dimension, level, unit and
review date. That is what makes an export of our banks import back to equal
questions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from lms.question_bank.loader import (
    HUNDRED,
    ID_PATTERN,
    BankError,
    BankLoadError,
    Choice,
    NumericAnswer,
    Question,
    TextAnswer,
    format_decimal,
)

BLANK = "____"
_ESCAPABLE = "\\=~#{}:"
# Escaped characters are swapped for private-use placeholders while splitting.
_PLACEHOLDER = {char: chr(0xE000 + index) for index, char in enumerate(_ESCAPABLE)}
_NEWLINE = chr(0xE010)  # the `\n` escape: kept apart from real line breaks until the end
_RESTORE = {**{value: key for key, value in _PLACEHOLDER.items()}, _NEWLINE: "\n"}
_FORMAT = re.compile(r"^\s*\[(markdown|html|plain|moodle)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = re.compile(r"^(T|F|TRUE|FALSE)(?:#([^#]*))?(?:#([^#]*))?$", re.IGNORECASE)
_META = re.compile(r"^\s*//\s*lms:\s*(\{.*\})\s*$")
_MOODLE_TAG = re.compile(r"\[(id|tag):((?:[^\]\\]|\\.)*)\]")


@dataclass(frozen=True)
class GiftQuestion:
    """A parsed question and the `$CATEGORY` it was under (None before any category)."""

    question: Question
    category: str | None
    name: str | None


def _protect(text: str) -> str:
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            if following in _PLACEHOLDER:
                out.append(_PLACEHOLDER[following])
                index += 2
                continue
            if following == "n":
                out.append(_NEWLINE)
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _restore(text: str, strip: bool = True) -> str:
    restored = "".join(_RESTORE.get(char, char) for char in text)
    return restored.strip() if strip else restored


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


def parse_gift(text: str, file: str = "<gift>", id_prefix: str = "gift") -> list[GiftQuestion]:
    """Parse GIFT `text` into questions, in file order.

    Questions without a usable name get the id `<id_prefix>-<n>`. Raises
    BankLoadError listing every refused or malformed question (file, line,
    name) and returns nothing in that case: an import is all or nothing.
    """
    questions, errors, category = [], [], None
    for start, lines in _blocks(text.removeprefix("\ufeff")):
        comments = [line for line in lines if line.lstrip().startswith("//")]
        # Comment lines are blanked, not removed, so offsets still map to line numbers.
        body_lines = ["" if line.lstrip().startswith("//") else line for line in lines]
        while body_lines and (not body_lines[0].strip() or body_lines[0].strip().startswith("$CATEGORY:")):
            line = body_lines.pop(0).strip()
            if line:
                category = line[len("$CATEGORY:"):].strip()
            start += 1
        if not "".join(body_lines).strip():
            continue
        try:
            question, name = _parse_block("\n".join(body_lines), comments, start, file,
                                          f"{id_prefix}-{len(questions) + len(errors) + 1}")
        except _GiftProblem as problem:
            errors.append(BankError(file, problem.line, problem.message, problem.name))
            continue
        questions.append(GiftQuestion(question, category, name))
    if errors:
        raise BankLoadError(errors)
    return questions


class _GiftProblem(Exception):
    def __init__(self, line: int, message: str, name: str | None):
        super().__init__(message)
        self.line, self.message, self.name = line, message, name


def _parse_block(raw: str, comments: list[str], start: int, file: str, fallback_id: str) -> tuple[Question, str | None]:
    full = text = _protect(raw)
    name = None
    stripped = text.lstrip()
    if stripped.startswith("::"):
        end = stripped.find("::", 2)
        if end < 0:
            raise _GiftProblem(start, "题目名称缺少结尾的 ::", None)
        name = _restore(stripped[2:end])
        text = stripped[end + 2:]

    def line_of(offset: int) -> int:
        return start + full.count("\n", 0, len(full) - len(text) + offset)

    open_at = text.find("{")
    if open_at < 0:
        raise _GiftProblem(start, "没有答案部分 {…}：描述题（description）不支持导入", name)
    close_at = text.find("}", open_at)
    nested = text.find("{", open_at + 1)
    if close_at < 0 or (0 <= nested < close_at):
        raise _GiftProblem(line_of(open_at), "花括号 { 没有闭合（如需字面的 { 或 } 请写 \\{ \\}）", name)
    if "{" in text[close_at + 1:] or "}" in text[close_at + 1:]:
        raise _GiftProblem(line_of(close_at), "一道题只能有一个答案部分 {…}", name)
    prefix, answer, suffix = text[:open_at], text[open_at + 1:close_at], text[close_at + 1:]
    text_format = "markdown"
    match = _FORMAT.match(prefix)
    if match:
        text_format = {"moodle": "plain"}.get(match.group(1).lower(), match.group(1).lower())
        prefix = prefix[match.end():]
    stem = _restore(prefix)
    if _restore(suffix):
        # Missing word: the blank goes where the answers were, spacing kept as written.
        stem = f"{_restore(prefix, strip=False).lstrip()}{BLANK}{_restore(suffix, strip=False).rstrip()}"
    meta = _metadata(comments, start, name)
    qid = meta.pop("id", None) or (name if name and ID_PATTERN.match(name) else fallback_id)
    try:
        fields = _parse_answer(answer)
    except ValueError as error:
        raise _GiftProblem(line_of(open_at), str(error), name) from None
    question = Question(id=qid, stem=stem, text_format=text_format, file=file, line=start,
                        points=Decimal(str(meta.pop("points", 1))), clause=str(meta.pop("clause", "")),
                        quote=meta.pop("quote", ""), **fields, **meta)
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


def _split_feedback(token: str) -> tuple[str, str]:
    text, _, feedback = token.partition("#")
    return _restore(text), _restore(feedback)


def _weight_of(token: str) -> tuple[Decimal | None, str]:
    match = _WEIGHT.match(token)
    if not match:
        return None, token
    weight = Decimal(match.group(1))
    if not -HUNDRED <= weight <= HUNDRED:
        raise ValueError(f"百分比 {weight}% 超出 -100% 到 100%")
    return weight, token[match.end():]


def _parse_answer(answer: str) -> dict:
    body, _, general = answer.partition("####")
    fields = {"explanation": _restore(general)}
    body = body.strip()
    if not body:
        raise ValueError("答案部分为空：问答题（essay）不支持导入")
    if "->" in body:
        raise ValueError("匹配题（matching，含 ->）不支持导入")
    if body.startswith("#"):
        fields.update(type="numeric", numeric=_parse_numeric(body[1:]))
        return fields
    true_false = _TRUE_FALSE.match(body)
    if true_false:
        fields.update(type="true_false", truth=true_false.group(1).upper().startswith("T"),
                      feedback_wrong=_restore(true_false.group(2) or ""),
                      feedback_right=_restore(true_false.group(3) or ""))
        return fields
    tokens = re.findall(r"([=~])([^=~]*)", body)
    if not tokens or body[0] not in "=~":
        raise ValueError("答案应以 = 或 ~ 开头，例如 {=正确答案 ~错误答案}")
    if all(marker == "=" for marker, _ in tokens):
        accepted = []
        for _, token in tokens:
            weight, token = _weight_of(token.strip())
            text, feedback = _split_feedback(token)
            accepted.append(TextAnswer(text, HUNDRED if weight is None else weight, feedback))
        fields.update(type="short", accepted=tuple(accepted))
        return fields
    fields.update(_parse_choices(tokens))
    return fields


def _parse_choices(tokens: list[tuple[str, str]]) -> dict:
    right_markers = sum(1 for marker, _ in tokens if marker == "=")
    parsed = []
    for marker, token in tokens:
        weight, token = _weight_of(token.strip())
        text, feedback = _split_feedback(token)
        if marker == "=" and weight is None:
            weight = HUNDRED
        parsed.append((marker, text, weight if weight is not None else Decimal(0), feedback))
    positive = [entry for entry in parsed if entry[2] > 0]
    multiple = right_markers > 1 or (right_markers == 0 and bool(positive))
    if not positive:
        raise ValueError("选择题没有正确答案（需要 = 或正百分比的选项）")
    if multiple and right_markers > 1:
        share = (HUNDRED / right_markers).quantize(Decimal("0.00001")).normalize()
        parsed = [(m, t, share if m == "=" else w, f) for m, t, w, f in parsed]
    elif multiple and abs(sum(entry[2] for entry in parsed if entry[2] > 0) - HUNDRED) > Decimal("0.01"):
        raise ValueError("多选题中正确选项的百分比之和应为 100%")
    choices = tuple(
        Choice(key=chr(ord("a") + index), text=text, weight=weight, feedback=feedback,
               correct=weight > 0 if multiple else weight == HUNDRED)
        for index, (_, text, weight, feedback) in enumerate(parsed)
    )
    if not multiple and sum(1 for choice in choices if choice.correct) != 1:
        raise ValueError("单选题必须恰好有一个 = 正确答案")
    return {"type": "multiple" if multiple else "single", "choices": choices}


def _parse_numeric(body: str) -> tuple[NumericAnswer, ...]:
    body = body.strip()
    answers = []
    for part in body.split("="):
        part = part.strip()
        if not part:
            continue
        weight, part = _weight_of(part)
        spec, feedback = _split_feedback(part)
        answers.append(_numeric(spec, HUNDRED if weight is None else weight, feedback))
    if not answers:
        raise ValueError("数值题缺少答案，例如 {#2:0.5} 或 {#1..5}")
    return tuple(answers)


def _numeric(spec: str, weight: Decimal, feedback: str) -> NumericAnswer:
    spec = spec.replace(_PLACEHOLDER[":"], ":").strip()
    try:
        if ".." in spec:
            low, high = (Decimal(part) for part in spec.split("..", 1))
            if low > high:
                raise ValueError
            return NumericAnswer(((low + high) / 2).normalize(), ((high - low) / 2).normalize(), weight, feedback)
        value, _, tolerance = spec.partition(":")
        return NumericAnswer(Decimal(value).normalize(), Decimal(tolerance or "0").normalize(), weight, feedback)
    except (ArithmeticError, ValueError):
        raise ValueError(f"数值答案「{spec}」无效，应写成 2:0.5 或 1..5") from None


# --- writing --------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape GIFT's special characters and newlines in `text`."""
    out = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        out = out.replace(char, "\\" + char)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def _weight_text(weight: Decimal) -> str:
    return f"%{format_decimal(weight)}%"


def _with_feedback(text: str, feedback: str) -> str:
    return escape(text) + (f"#{escape(feedback)}" if feedback else "")


def _answer_lines(question: Question) -> list[str]:
    if question.type == "true_false":
        line = "TRUE" if question.truth else "FALSE"
        if question.feedback_wrong or question.feedback_right:
            line += f"#{escape(question.feedback_wrong)}"
        if question.feedback_right:
            line += f"#{escape(question.feedback_right)}"
        return [line]
    if question.type == "short":
        return [("=" if a.weight == HUNDRED else "=" + _weight_text(a.weight)) + _with_feedback(a.text, a.feedback)
                for a in question.accepted]
    if question.type == "numeric":
        simple = len(question.numeric) == 1 and question.numeric[0].weight == HUNDRED and not question.numeric[0].feedback
        specs = [f"{format_decimal(a.value)}:{format_decimal(a.tolerance)}" for a in question.numeric]
        if simple:
            return ["#" + specs[0]]
        return ["#"] + [
            "=" + ("" if a.weight == HUNDRED else _weight_text(a.weight)) + spec + (f"#{escape(a.feedback)}" if a.feedback else "")
            for a, spec in zip(question.numeric, specs, strict=True)
        ]
    lines = []
    for choice in question.choices:
        if question.type == "single" and choice.correct:
            lines.append("=" + _with_feedback(choice.text, choice.feedback))
        else:
            weight = _weight_text(choice.weight) if choice.weight != 0 else ""
            lines.append("~" + weight + _with_feedback(choice.text, choice.feedback))
    return lines


def write_question(question: Question) -> str:
    """One question as a GIFT block (comment metadata, one `::name::` line, answers)."""
    tags = "".join(f" [tag:{tag.replace(']', chr(92) + ']')}]" for tag in question.tags)
    meta = {"clause": question.clause, "quote": question.quote, "points": format_decimal(question.points)}
    meta.update({key: getattr(question, key) for key in ("dimension", "level", "unit", "reviewed") if getattr(question, key)})
    stem = question.stem
    head, blank, tail = stem.partition(BLANK)
    opening = f"{escape(head)}{{" if blank else f"{escape(head)} {{"
    lines = [f"// [id:{question.id}]{tags}", "// lms: " + json.dumps(meta, ensure_ascii=False),
             f"::{escape(question.id)}::[{question.text_format}]{opening}"]
    lines += [f"  {line}" for line in _answer_lines(question)]
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
