"""Read question banks from `quizzes/` into frozen dataclasses (pure: no Flask, no database).

A bank is a folder holding `bank.yaml` (title, description) and one YAML file
per chapter, each a mapping with a `questions:` list. The format is
documented with examples in `quizzes/README.md`.

Everything a reviewer needs is checked here, and every problem is reported
with file, line and question id, all of them at once: nothing is returned
unless the whole bank is valid, so a sync never half-loads a bank. What this
module cannot know on its own (whether a clause exists, whether a quote is in
it) is checked by `check.py` against the course content.

YAML is parsed with PyYAML's *safe* loader walked node by node, which gives
line numbers, refuses tags such as `!!python/object`, and reports duplicate
keys that PyYAML would silently overwrite.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from lms import question_types
from lms.question_types import QUESTION_TYPES
from lms.question_types.base import yaml_number

# The bank's values are defined with the types; `X as X` re-exports them under their old home.
from lms.question_types.values import HUNDRED as HUNDRED
from lms.question_types.values import WEIGHT_QUANTUM as WEIGHT_QUANTUM
from lms.question_types.values import Choice as Choice
from lms.question_types.values import NumericAnswer as NumericAnswer
from lms.question_types.values import TextAnswer as TextAnswer
from lms.question_types.values import decimal_of, jsonable
from lms.question_types.values import format_decimal as format_decimal
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS

TEXT_FORMATS = ("markdown", "html", "plain")
BANK_FILE = "bank.yaml"
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Fields added after banks were first synced: left out of the content hash while empty, so adding
# them did not change every question's hash (a changed hash counts as a review and clears `stale`).
_LATER_FIELDS = ("name",)

_COMMON_KEYS = {
    "id",
    "name",
    "type",
    "points",
    "clause",
    "quote",
    "explanation",
    "stem",
    "format",
    "dimension",
    "level",
    "tags",
    "reviewed",
}
_SAFE_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


@dataclass(frozen=True)
class BankError:
    """One problem in a bank, located by file, line and question id."""

    file: str
    line: int | None
    message: str
    question_id: str | None = None

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        who = f"题目 {self.question_id}：" if self.question_id else ""
        return f"{place}: {who}{self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "question_id": self.question_id, "message": self.message}


class BankLoadError(Exception):
    """A bank (or several) could not be loaded; `errors` lists every problem found."""

    def __init__(self, errors: list[BankError]):
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class Question:
    """One question as written in the bank. `file` and `line` locate it, and do not count in equality."""

    id: str
    type: str
    stem: str
    points: Decimal
    clause: str
    quote: str
    explanation: str
    text_format: str = "markdown"
    dimension: str | None = None
    level: str | None = None
    tags: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    accepted: tuple[TextAnswer, ...] = ()
    numeric: tuple[NumericAnswer, ...] = ()
    unit: str = ""
    truth: bool | None = None
    feedback_right: str = ""
    feedback_wrong: str = ""
    reviewed: str | None = None
    name: str = ""  # GIFT's ::name::, when it is more than the id
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    @property
    def chapter(self) -> str:
        """The chapter a clause belongs to: "2" for "2.1", "7" for "7.1.1"."""
        return self.clause.split(".")[0]

    @property
    def kind(self) -> question_types.QuestionType:
        """The question's type (see lms.question_types)."""
        return question_types.get(self.type)

    def answer_spec(self) -> dict:
        """The answer as JSON-ready data (the database's `answer` column); its shape is the type's."""
        return self.kind.answer_spec(self)

    @property
    def content_hash(self) -> str:
        """SHA-256 over everything that defines the question (not where it is written)."""
        data = {
            key: value
            for key, value in asdict(self).items()
            if key not in ("file", "line") and not (key in _LATER_FIELDS and not value)
        }
        return hashlib.sha256(json.dumps(jsonable(data), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class BankFile:
    """One YAML file of a bank (usually one chapter)."""

    path: str
    title: str
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class QuestionBank:
    """A folder of questions: its name (the folder's), title and questions in file order."""

    name: str
    title: str
    description: str
    path: str
    files: tuple[BankFile, ...]
    questions: tuple[Question, ...]

    @property
    def content_hash(self) -> str:
        """SHA-256 over the bank's title, description and its questions' hashes in order."""
        parts = [self.title, self.description] + [question.content_hash for question in self.questions]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# --- YAML with line numbers ---------------------------------------------------------------


class Located(dict):
    """A YAML mapping that remembers its line and each key's line and raw scalar text."""

    line: int = 0
    key_lines: dict
    raw: dict


class LocatedList(list):
    """A YAML sequence that remembers its line and each item's line."""

    line: int = 0
    item_lines: list


class _YamlProblem(Exception):
    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def parse_yaml(text: str) -> Any:
    """Parse one YAML document safely into Located/LocatedList values.

    Raises _YamlProblem (line, Chinese message) for malformed YAML, unsafe or
    unknown tags, and duplicate keys.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _build(loader, node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise _YamlProblem(mark.line + 1 if mark else None, f"YAML 格式错误：{error.problem or error}") from None
    except yaml.YAMLError as error:
        raise _YamlProblem(None, f"YAML 格式错误：{error}") from None
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    line = node.start_mark.line + 1
    if node.tag not in _SAFE_TAGS:
        raise _YamlProblem(line, f"不允许的 YAML 标签 {node.tag}（只接受普通的文本、数字、列表和映射）")
    if isinstance(node, yaml.MappingNode):
        mapping = Located()
        mapping.line, mapping.key_lines, mapping.raw = line, {}, {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise _YamlProblem(key_node.start_mark.line + 1, "映射的键必须是简单文本")
            if key in mapping:
                raise _YamlProblem(
                    key_node.start_mark.line + 1, f"键「{key}」重复（第 {mapping.key_lines[key]} 行已出现）"
                )
            mapping[key] = _build(loader, value_node)
            mapping.key_lines[key] = key_node.start_mark.line + 1
            if isinstance(value_node, yaml.ScalarNode):
                mapping.raw[key] = value_node.value
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = LocatedList(_build(loader, item) for item in node.value)
        items.line, items.item_lines = line, [item.start_mark.line + 1 for item in node.value]
        return items
    return loader.construct_object(node)


# --- bank and question validation ---------------------------------------------------------


class _Collector:
    """Accumulates errors for one file, so a reviewer sees them all at once."""

    def __init__(self, file: str):
        self.file = file
        self.errors: list[BankError] = []

    def add(self, line: int | None, message: str, question_id: str | None = None) -> None:
        self.errors.append(BankError(self.file, line, message, question_id))


def load_bank(path: str | Path) -> QuestionBank:
    """Load the bank in folder `path`.

    Raises BankLoadError listing every problem (file, line, question id) when
    anything is wrong: missing `bank.yaml`, malformed or unsafe YAML, unknown
    keys, invalid questions, or an id used twice in the bank.
    """
    folder = Path(path)
    errors: list[BankError] = []
    meta_file = folder / BANK_FILE
    if not meta_file.is_file():
        raise BankLoadError([BankError(str(folder), None, f"题库目录缺少 {BANK_FILE}（标题与说明）")])
    meta, meta_errors = _read_mapping(meta_file, {"title", "description"}, required={"title"})
    errors += meta_errors
    files, questions = [], []
    for file in sorted(p for p in folder.glob("*.yaml") if p.name != BANK_FILE):
        bank_file, file_questions, file_errors = _load_file(file)
        errors += file_errors
        if bank_file:
            files.append(bank_file)
            questions += file_questions
    if not files and not errors:
        errors.append(BankError(str(folder), None, "题库中没有题目文件（*.yaml）"))
    errors += duplicate_id_errors(questions)
    if errors:
        raise BankLoadError(errors)
    return QuestionBank(
        name=folder.name,
        title=str(meta.get("title", "")).strip(),
        description=str(meta.get("description", "") or "").strip(),
        path=str(folder),
        files=tuple(files),
        questions=tuple(questions),
    )


def duplicate_id_errors(questions: list[Question] | tuple[Question, ...]) -> list[BankError]:
    """One error for every question whose id an earlier question already uses."""
    seen: dict[str, Question] = {}
    errors = []
    for question in questions:
        first = seen.setdefault(question.id, question)
        if first is not question:
            errors.append(
                BankError(
                    question.file, question.line, f"题目编号重复（{first.file}:{first.line} 已使用）", question.id
                )
            )
    return errors


def find_banks(quizzes_dir: str | Path) -> list[Path]:
    """The bank folders under `quizzes_dir`: every sub-folder holding a bank.yaml."""
    root = Path(quizzes_dir)
    return sorted(child for child in root.iterdir() if (child / BANK_FILE).is_file()) if root.is_dir() else []


def load_banks(quizzes_dir: str | Path) -> list[QuestionBank]:
    """Load every bank under `quizzes_dir`; question ids must be unique across all banks.

    Raises BankLoadError with the problems of every bank together.
    """
    banks, errors = [], []
    for folder in find_banks(quizzes_dir):
        try:
            banks.append(load_bank(folder))
        except BankLoadError as error:
            errors += error.errors
    errors += duplicate_id_errors([question for bank in banks for question in bank.questions])
    if errors:
        raise BankLoadError(errors)
    return banks


def _read_mapping(file: Path, allowed: set[str], required: set[str]) -> tuple[dict, list[BankError]]:
    collector = _Collector(str(file))
    data = _parse_file(file, collector)
    if data is None:
        return {}, collector.errors
    if not isinstance(data, Located):
        collector.add(1, "文件内容应是一个映射（键: 值）")
        return {}, collector.errors
    for key in data:
        if key not in allowed:
            collector.add(data.key_lines[key], f"未知的键「{key}」，可用：" + "、".join(sorted(allowed)))
    for key in required - set(data):
        collector.add(data.line, f"缺少「{key}」")
    return data, collector.errors


def _parse_file(file: Path, collector: _Collector) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        collector.add(None, "文件不是 UTF-8 编码")
        return None
    try:
        return parse_yaml(text)
    except _YamlProblem as problem:
        collector.add(problem.line, problem.message)
        return None


def _load_file(file: Path) -> tuple[BankFile | None, list[Question], list[BankError]]:
    collector = _Collector(str(file))
    data = _parse_file(file, collector)
    if data is None and not collector.errors:
        collector.add(1, "文件为空")
    if collector.errors:
        return None, [], collector.errors
    if not isinstance(data, Located) or not isinstance(data.get("questions"), LocatedList):
        collector.add(getattr(data, "line", 1), "文件应包含 questions: 题目列表")
        return None, [], collector.errors
    for key in set(data) - {"title", "questions"}:
        collector.add(data.key_lines[key], f"未知的键「{key}」，可用：title、questions")
    questions = []
    for item, line in zip(data["questions"], data["questions"].item_lines, strict=True):
        question = question_from_mapping(item, line, collector)
        if question is not None:
            questions.append(question)
    bank_file = BankFile(str(file), str(data.get("title") or file.stem), tuple(q.id for q in questions))
    return bank_file, questions, collector.errors


def question_from_mapping(item: Any, line: int, collector: _Collector) -> Question | None:
    """Validate one question mapping; on problems add them to `collector` and return None."""
    if not isinstance(item, Located):
        collector.add(line, "每道题应是一个映射（以 id: 开头）")
        return None
    before = len(collector.errors)
    qid = item.get("id")
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        collector.add(
            item.key_lines.get("id", line),
            "编号 id 缺失或无效：只能用字母、数字、点、连字符和下划线，最长 64 位",
            str(qid) if qid else None,
        )
        qid = str(qid) if qid else None

    def err(key: str | None, message: str) -> None:
        collector.add(item.key_lines.get(key, item.line) if key else item.line, message, qid)

    kind = question_types.find(item.get("type")) if isinstance(item.get("type"), str) else None
    if kind is None:
        err("type", "题型 type 应为：" + "、".join(f"{k}（{v}）" for k, v in QUESTION_TYPES.items()))
        return None
    allowed = _COMMON_KEYS | kind.bank_keys
    for key in item:
        if key not in allowed:
            err(key, f"{kind.label}不使用键「{key}」，可用：" + "、".join(sorted(allowed)))
    fields = {
        "stem": _text(item, "stem", "题干 stem", err),
        "points": _points(item, err),
        "clause": _clause(item, err),
        "quote": _text(item, "quote", "引文 quote", err),
        "explanation": _text(item, "explanation", "解析 explanation", err),
        "text_format": _choice_of(item, "format", TEXT_FORMATS, "markdown", err),
        "dimension": _label_or_key(item, "dimension", SKILL_DIMENSIONS, "技能维度", err),
        "level": _label_or_key(item, "level", SKILL_LEVELS, "等级", err),
        "tags": _tags(item, err),
        "reviewed": _reviewed(item, err),
        "name": _text(item, "name", "名称 name", err, required=False),
    }
    fields.update(kind.parse(item, err))
    if len(collector.errors) > before:
        return None
    return Question(id=qid, type=kind.key, file=collector.file, line=item.line, **fields)


def _text(item: Located, key: str, label: str, err, required: bool = True) -> str:
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            err(key if key in item else None, f"缺少{label}")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        err(key, f"{label}应是文本")
        return ""
    return str(value).strip()


def _points(item: Located, err) -> Decimal:
    if "points" not in item:
        err(None, "缺少分值 points")
        return Decimal(0)
    points = decimal_of(item["points"])
    if points is None or points <= 0:
        err("points", f"分值 points 应是大于 0 的数字（现为 {item['points']!r}）")
        return Decimal(0)
    return points


def _clause(item: Located, err) -> str:
    if item.get("clause") in (None, ""):
        err(None, '缺少所考条款 clause（如 "2.1"）')
        return ""
    # `clause: 2.1` is a float to YAML: take the text as written, so 2.10 stays 2.10.
    raw = item.raw.get("clause", item["clause"])
    if not re.fullmatch(r"\d+(\.\d+)*b?", str(raw).strip()):
        err("clause", f'条款编号「{raw}」无效，应如 "2.1"、"7.1.1"')
    return str(raw).strip()


def _choice_of(item: Located, key: str, options: tuple[str, ...], default: str, err) -> str:
    value = item.get(key, default)
    if value not in options:
        err(key, f"{key} 应为：" + "、".join(options))
        return default
    return value


def _label_or_key(item: Located, key: str, table: dict[str, str], label: str, err) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    by_label = {name: code for code, name in table.items()}
    if value in table:
        return value
    if value in by_label:
        return by_label[value]
    err(key, f"{label}「{value}」无效，可用：" + "、".join(f"{k}（{v}）" for k, v in table.items()))
    return None


def _tags(item: Located, err) -> tuple[str, ...]:
    tags = item.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag.strip() for tag in tags):
        err("tags", "标签 tags 应是文本列表，如 [投诉, 时效]")
        return ()
    return tuple(tag.strip() for tag in tags)


def _reviewed(item: Located, err) -> str | None:
    value = item.get("reviewed")
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    err("reviewed", "审核日期 reviewed 应写成 2026-11-01")
    return None


# --- writing YAML (used by the GIFT import) ------------------------------------------------


def question_to_mapping(question: Question) -> dict:
    """A question as the plain mapping `question_from_mapping` reads back to an equal Question."""
    data: dict[str, Any] = {"id": question.id}
    if question.name:
        data["name"] = question.name
    data.update({"type": question.type, "points": yaml_number(question.points), "clause": question.clause})
    for key in ("dimension", "level"):
        if getattr(question, key):
            data[key] = getattr(question, key)
    if question.tags:
        data["tags"] = list(question.tags)
    if question.text_format != "markdown":
        data["format"] = question.text_format
    data["stem"] = question.stem
    data.update(question.kind.dump(question))
    data["quote"] = question.quote
    data["explanation"] = question.explanation
    if question.reviewed:
        data["reviewed"] = date.fromisoformat(question.reviewed)
    return data


def dump_bank_file(title: str, questions: list[Question] | tuple[Question, ...]) -> str:
    """One bank file's YAML text: its title and questions, in the documented format."""
    body = {"title": title, "questions": [question_to_mapping(question) for question in questions]}
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


def dump_bank_meta(title: str, description: str) -> str:
    """The text of a new bank's bank.yaml."""
    return yaml.safe_dump({"title": title, "description": description}, allow_unicode=True, sort_keys=False)
