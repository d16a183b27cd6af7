"""Exam definitions (`quizzes/exams/*.yaml`): a pure loader and the bank-sufficiency check.

No Flask and no database here: `load_definitions(folder)` returns frozen
dataclasses or raises `DefinitionError` listing every problem with its file;
`check_draws(definition, candidates)` says whether a bank can fill every draw.

Times without an offset are read in the company's zone (lms.clock: LMS_TIMEZONE,
default Asia/Shanghai) and stored as naive UTC like every other timestamp.
Clause and chapter ids are read as written, never as YAML numbers: `clause: 5.10`
is clause 5.10, not the float 5.1.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from lms import clock
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS

EXAMS_FOLDER = "exams"
REVIEW_POLICIES = {
    "after_close": "考试窗口关闭前只显示分数，关闭后可逐题回顾",
    "immediate": "交卷后即可逐题回顾",
    "score_only": "只显示分数，不提供逐题回顾",
}
TOTAL_POINTS = Decimal(100)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_TOP_KEYS = {
    "key",
    "title",
    "quarter",
    "opens",
    "closes",
    "time_limit_minutes",
    "grace_seconds",
    "attempts",
    "pass_mark",
    "partial_credit",
    "shuffle",
    "review",
    "audience",
    "draws",
}
_DRAW_KEYS = {"bank", "chapter", "clause", "tags", "dimension", "level", "count", "points"}


_TEXT_KEYS = ("clause", "chapter")  # ids that look like numbers but are text (5.10 is not 5.1)
CLAUSE_PATTERN = re.compile(r"^\d+(\.\d+)*b?$")


class _DefinitionLoader(yaml.SafeLoader):
    """The safe loader, except that clause and chapter ids keep the text they were written as."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        for key_node, value_node in node.value:
            if (
                isinstance(key_node, yaml.ScalarNode)
                and key_node.value in _TEXT_KEYS
                and isinstance(value_node, yaml.ScalarNode)
                and value_node.tag != "tag:yaml.org,2002:null"
            ):
                mapping[key_node.value] = value_node.value.strip()
        return mapping


class DefinitionError(Exception):
    """Every problem found in the definitions, one "file: message" per line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Draw:
    """Draw `count` questions matching every given filter, each worth `points` on the paper."""

    count: int
    points: Decimal
    bank: str | None = None
    chapter: str | None = None
    clause: str | None = None
    tags: tuple[str, ...] = ()
    dimension: str | None = None
    level: str | None = None

    def matches(self, candidate: Candidate) -> bool:
        """True when `candidate` passes every filter of this draw."""
        return (
            (self.bank is None or candidate.bank == self.bank)
            and (self.chapter is None or candidate.chapter == self.chapter)
            and (self.clause is None or candidate.clause == self.clause)
            and set(self.tags) <= set(candidate.tags)
            and (self.dimension is None or candidate.dimension == self.dimension)
            and (self.level is None or candidate.level == self.level)
        )

    def label(self) -> str:
        parts = [
            f"{name}={value}"
            for name, value in (
                ("bank", self.bank),
                ("chapter", self.chapter),
                ("clause", self.clause),
                ("dimension", self.dimension),
                ("level", self.level),
            )
            if value
        ]
        parts += [f"tag={tag}" for tag in self.tags]
        return "、".join(parts) or "全部题目"


@dataclass(frozen=True)
class Candidate:
    """What drawing needs to know of a bank question (built from the loader or from the database)."""

    ref: Any  # question id in the database, or bank id in the check
    bank: str
    chapter: str
    clause: str
    tags: tuple[str, ...] = ()
    dimension: str | None = None
    level: str | None = None


@dataclass(frozen=True)
class ExamDefinition:
    """One exam as written in its YAML file."""

    key: str
    title: str
    quarter: str
    opens_at: datetime  # naive UTC
    closes_at: datetime
    time_limit_minutes: int
    grace_seconds: int
    attempts_allowed: int
    pass_mark: Decimal
    partial_credit: bool
    shuffle_questions: bool
    shuffle_options: bool
    review_policy: str
    audience: dict = field(default_factory=dict)
    draws: tuple[Draw, ...] = ()
    file: str = ""

    @property
    def total_points(self) -> Decimal:
        return sum((draw.points * draw.count for draw in self.draws), Decimal(0))

    @property
    def question_count(self) -> int:
        return sum(draw.count for draw in self.draws)

    def blueprint(self) -> list[dict]:
        """The draws as JSON-ready data (the database's `blueprint` column)."""
        return [
            {
                k: (str(v) if isinstance(v, Decimal) else list(v) if isinstance(v, tuple) else v)
                for k, v in asdict(draw).items()
                if v not in (None, ())
            }
            for draw in self.draws
        ]

    @property
    def definition_hash(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k not in ("file", "draws")}
        data["draws"] = self.blueprint()
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def draw_from_blueprint(data: dict) -> Draw:
    """A `Draw` back from its JSON form in `Exam.blueprint`."""
    return Draw(
        count=int(data["count"]),
        points=Decimal(str(data["points"])),
        bank=data.get("bank"),
        chapter=data.get("chapter"),
        clause=data.get("clause"),
        tags=tuple(data.get("tags", ())),
        dimension=data.get("dimension"),
        level=data.get("level"),
    )


def load_definitions(quizzes_dir: str | Path) -> list[ExamDefinition]:
    """Every `quizzes/exams/*.yaml`, sorted by file name; raises DefinitionError on any problem."""
    folder = Path(quizzes_dir) / EXAMS_FOLDER
    definitions, problems = [], []
    for file in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            definitions.append(load_definition(file))
        except DefinitionError as error:
            problems += error.problems
    keys = [definition.key for definition in definitions]
    problems += [f"{folder}: 考试编号 {key} 重复" for key in sorted({k for k in keys if keys.count(k) > 1})]
    if problems:
        raise DefinitionError(problems)
    return definitions


def load_definition(file: str | Path) -> ExamDefinition:
    """Read and validate one definition file."""
    file = Path(file)
    problems: list[str] = []

    def err(message: str) -> None:
        problems.append(f"{file}: {message}")

    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_DefinitionLoader)  # noqa: S506 (a SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise DefinitionError([f"{file}: 不是有效的 UTF-8 YAML（{error}）"]) from error
    if not isinstance(data, dict):
        raise DefinitionError([f"{file}: 考试定义应是一个映射（title、opens、closes、draws …）"])
    for key in sorted(set(data) - _TOP_KEYS, key=str):
        err(f"未知的键「{key}」，可用：" + "、".join(sorted(_TOP_KEYS)))
    key = str(data.get("key") or file.stem)
    if not KEY_PATTERN.match(key) or key == "bank":
        err(f"考试编号 key「{key}」无效：字母、数字、- 和 _，最长 32 位")
    opens, closes = _when(data, "opens", err), _when(data, "closes", err)
    if opens and closes and opens >= closes:
        err("closes 必须晚于 opens")
    shuffle = data.get("shuffle", {"questions": True, "options": True})
    if not isinstance(shuffle, dict) or set(shuffle) - {"questions", "options"}:
        err("shuffle 应写成 {questions: true, options: true}")
        shuffle = {}
    review = data.get("review", "after_close")
    if review not in REVIEW_POLICIES:
        err("review 应为：" + "、".join(REVIEW_POLICIES))
    definition = ExamDefinition(
        key=key,
        title=_required_text(data, "title", err),
        quarter=str(data.get("quarter") or key),
        opens_at=opens or datetime(2000, 1, 1),
        closes_at=closes or datetime(2000, 1, 2),
        time_limit_minutes=_integer(data, "time_limit_minutes", None, 1, err),
        grace_seconds=_integer(data, "grace_seconds", 60, 0, err),
        attempts_allowed=_integer(data, "attempts", 2, 1, err),
        pass_mark=_number(data.get("pass_mark", 80), "pass_mark", err),
        partial_credit=_flag(data, "partial_credit", False, err),
        shuffle_questions=shuffle.get("questions", True) is not False,
        shuffle_options=shuffle.get("options", True) is not False,
        review_policy=review if review in REVIEW_POLICIES else "after_close",
        audience=_audience(data.get("audience"), err),
        draws=_draws(data.get("draws"), err),
        file=str(file),
    )
    if definition.draws and definition.total_points != TOTAL_POINTS:
        err(f"各抽题规则的分值合计应为 100（现为 {definition.total_points.normalize():f}）")
    if problems:
        raise DefinitionError(problems)
    return definition


def check_draws(definition: ExamDefinition, candidates: list[Candidate]) -> list[str]:
    """Problems if the bank may not fill every draw.

    Draws are filled in order and a question is used once, so a draw can
    count on its matches minus what earlier overlapping draws may take.
    """
    problems = []
    taken_before: list[tuple[set, int]] = []
    for index, draw in enumerate(definition.draws, start=1):
        matching = {candidate.ref for candidate in candidates if draw.matches(candidate)}
        reserved = sum(count for refs, count in taken_before if refs & matching)
        if len(matching) - reserved < draw.count:
            problems.append(
                f"{definition.file}: 第 {index} 条抽题规则（{draw.label()}）需要 {draw.count} 题，"
                f"题库中符合的有 {len(matching)} 题"
                + (f"，其中最多 {reserved} 题可能已被前面的规则抽走" if reserved else "")
            )
        taken_before.append((matching, draw.count))
    return problems


def _when(data: dict, key: str, err) -> datetime | None:
    value = data.get(key)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        err(f"{key} 应是日期时间，如 2026-12-01 09:00（公司所在时区，默认北京时间）或带时区的 2026-12-01T01:00:00Z")
        return None
    return clock.from_local(value)


def _required_text(data: dict, key: str, err) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        err(f"缺少 {key}")
        return ""
    return value.strip()


def _integer(data: dict, key: str, default: int | None, minimum: int, err) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        err(f"{key} 应是不小于 {minimum} 的整数（现为 {value!r}）")
        return minimum
    return value


def _number(value: Any, key: str, err) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if isinstance(value, bool) or number is None or not number.is_finite() or number <= 0:
        err(f"{key} 应是大于 0 的数字（现为 {value!r}）")
        return Decimal(1)
    return number


def _flag(data: dict, key: str, default: bool, err) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        err(f"{key} 应为 true 或 false")
        return default
    return value


def _audience(value: Any, err) -> dict:
    if value is None:
        return {"roles": ["rep"], "teams": []}
    if not isinstance(value, dict) or set(value) - {"roles", "teams"}:
        err("audience 应写成 {roles: [rep], teams: [华东一组]}（teams 为空表示所有团队）")
        return {"roles": ["rep"], "teams": []}
    roles = [str(role) for role in value.get("roles") or ["rep"]]
    teams = [str(team) for team in value.get("teams") or []]
    return {"roles": roles, "teams": teams}


def _draws(value: Any, err) -> tuple[Draw, ...]:
    if not isinstance(value, list) or not value:
        err('draws 至少需要一条抽题规则，如 {chapter: "2", count: 5, points: 2}')
        return ()
    draws = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            err(f"第 {index} 条抽题规则应是映射")
            continue
        for key in sorted(set(item) - _DRAW_KEYS, key=str):
            err(f"第 {index} 条抽题规则有未知的键「{key}」，可用：" + "、".join(sorted(_DRAW_KEYS)))
        count = item.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            err(f"第 {index} 条抽题规则的 count 应是正整数")
            count = 1
        dimension, level = item.get("dimension"), item.get("level")
        level = {name: code for code, name in SKILL_LEVELS.items()}.get(level, level)
        if dimension is not None and dimension not in SKILL_DIMENSIONS:
            err(f"第 {index} 条抽题规则的 dimension 应为：" + "、".join(SKILL_DIMENSIONS))
        if level is not None and level not in SKILL_LEVELS:
            err(f"第 {index} 条抽题规则的 level 应为：" + "、".join(SKILL_LEVELS))
        clause = _opt(item, "clause")
        if clause is not None and not CLAUSE_PATTERN.match(clause):
            err(f'第 {index} 条抽题规则的 clause「{clause}」无效，应如 "2.1"、"5.10"')
        tags = item.get("tags") or []
        if not isinstance(tags, list):
            err(f"第 {index} 条抽题规则的 tags 应是列表")
            tags = []
        draws.append(
            Draw(
                count=count,
                points=_number(item.get("points"), f"第 {index} 条抽题规则的 points", err),
                bank=_opt(item, "bank"),
                chapter=_opt(item, "chapter"),
                clause=clause,
                tags=tuple(str(tag) for tag in tags),
                dimension=dimension,
                level=level,
            )
        )
    return tuple(draws)


def _opt(item: dict, key: str) -> str | None:
    value = item.get(key)
    return None if value is None else str(value)


def bank_candidates(banks) -> list[Candidate]:
    """Every question of loaded banks (`question_bank.loader.QuestionBank`) as a draw candidate."""
    return [
        Candidate(
            ref=q.id,
            bank=bank.name,
            chapter=q.chapter,
            clause=q.clause,
            tags=tuple(q.tags),
            dimension=q.dimension,
            level=q.level,
        )
        for bank in banks
        for q in bank.questions
    ]


def check_definitions(quizzes_dir: str | Path, banks) -> list[tuple[str, str]]:
    """(file, message) for every problem of the exam definitions against loaded banks (`lms quizzes check`)."""
    try:
        found = load_definitions(quizzes_dir)
    except DefinitionError as error:
        return [tuple(problem.split(": ", 1)) if ": " in problem else ("", problem) for problem in error.problems]
    candidates = bank_candidates(banks)
    problems = []
    for definition in found:
        problems += [tuple(problem.split(": ", 1)) for problem in check_draws(definition, candidates)]
    return problems
