"""Read the skill tracks (`content/tracks.yaml`, guide 5.2) into frozen dataclasses (pure: no Flask, no database).

The file describes the 15 cells of guide 5.2 (five dimensions × 初级/进阶/高级)
and the certification rule of 7.3.1. Each cell quotes the guide's descriptor,
lists the lessons to read, and defines a level quiz (draw rules over the bank,
in the shape of the exam draws of `lms.exams.definitions`) and a practical
assessment (a scenario type named in 五/技能训练 and 实战演练, a task, a rubric).

Conventions the file must follow (and the loader checks):
- Rubric weights are percentages and sum to exactly 100, like the guide's own
  weightings (7.2: KPIs 70 % + 定性评估 30 %).
- A rubric has a score scale (default 1–4); every criterion describes every score.
  The overall result is the weighted mean score, Σ(weight × score) / 100, on that
  scale; `pass_threshold` is on the same scale and must lie within it.
- A quiz's draw points total 100 and `pass_mark` lies in (0, 100] (default 80).
  `attempts` is how many tries one round allows; after a round without a pass the
  rep waits `cooldown_days` before the next round opens.
- A cell's prerequisite is the level below in the same dimension; 初级 has none.

Every problem is reported with file and line, all of them at once, and nothing
is returned unless the whole file is valid. What needs the course and the bank
(clause ids, quotes, enough questions per draw) is checked by `check_tracks`,
which `load_tracks` runs when given the clause texts and banks.

YAML is read with the question bank's line-tracking safe reader
(`lms.question_bank.loader.parse_yaml`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lms.exams.definitions import Draw, bank_candidates
from lms.question_bank.loader import Located, LocatedList, QuestionBank, parse_yaml
from lms.question_bank.loader import _YamlProblem as YamlProblem  # the reader's own error (line, message)
from lms.question_bank.normalise import normalise_for_quote
from lms.question_types.values import decimal_of
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS

TRACKS_FILE = "tracks.yaml"
# The ways of training the guide names (五、专业能力提升路径: 技能训练模块 and 实战演练模块),
# each label word for word as clause 5 writes it.
SCENARIO_CLAUSE = "5"
SCENARIO_TYPES = {
    "role_play": "角色扮演",
    "simulated_dialogue": "模拟对话",
    "customer_visit": "客户拜访演练",
    "competitor_drill": "竞品对抗演练",
    "mentor_coaching": "外部课程或内部导师带教",
}
WEIGHT_TOTAL = Decimal(100)
QUIZ_POINTS_TOTAL = Decimal(100)
QUIZ_DEFAULTS = {"pass_mark": Decimal(80), "attempts": 2, "cooldown_days": 7, "time_limit_minutes": 15}
MIN_CRITERIA, MAX_CRITERIA = 3, 6
DEFAULT_SCALE = (1, 4)
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
CLAUSE_PATTERN = re.compile(r"^\d+(\.\d+)*b?$")
LEVEL_ORDER = tuple(SKILL_LEVELS)

_TOP_KEYS = {"title", "quiz_defaults", "certification", "tracks"}
_CELL_KEYS = {"clause", "descriptor", "lessons", "quiz", "assessment", "prerequisite"}
_QUIZ_KEYS = {"pass_mark", "attempts", "cooldown_days", "time_limit_minutes", "draws"}
_DRAW_KEYS = {"dimension", "level", "count", "points", "clause", "chapter", "tags"}
_ASSESSMENT_KEYS = {"scenario", "task", "rubric"}
_RUBRIC_KEYS = {"scale", "pass_threshold", "criteria"}
_CRITERION_KEYS = {"key", "name", "weight", "scores"}
_CERT_KEYS = {"title", "clause", "quote", "level", "dimensions"}


# --- errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackError:
    """One problem in the tracks file, located by file, line and cell ("communication/basic")."""

    file: str
    line: int | None
    message: str
    cell: str | None = None

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {cell_label(self.cell) + '：' if self.cell else ''}{self.message}"


class TrackLoadError(Exception):
    """The tracks file could not be loaded; `errors` lists every problem found."""

    def __init__(self, errors: list[TrackError]):
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


def cell_key(dimension: str, level: str) -> str:
    """The cell's natural key: "communication/basic"."""
    return f"{dimension}/{level}"


def cell_label(key: str) -> str:
    """A cell key as people read it: 「客户沟通技巧·初级」 (the key itself when unknown)."""
    dimension, _, level = key.partition("/")
    if dimension in SKILL_DIMENSIONS and level in SKILL_LEVELS:
        return f"{SKILL_DIMENSIONS[dimension]}·{SKILL_LEVELS[level]}"
    return key


def level_below(level: str) -> str | None:
    """The level a level builds on: None for 初级."""
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index - 1] if index else None


# --- the data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion: its weight (percent) and a descriptor for every score of the scale."""

    key: str
    name: str
    weight: Decimal
    descriptors: tuple[tuple[int, str], ...]  # (score, what that score looks like), lowest first
    line: int = field(default=0, compare=False)

    def descriptor(self, score: int) -> str:
        return dict(self.descriptors)[score]


@dataclass(frozen=True)
class RubricResult:
    """The overall result of scored criteria: the weighted mean score and whether it reaches the threshold."""

    weighted: Decimal
    passed: bool


@dataclass(frozen=True)
class Rubric:
    """Criteria scored on `scale_min`..`scale_max`; passed when the weighted mean reaches `pass_threshold`."""

    scale_min: int
    scale_max: int
    pass_threshold: Decimal
    criteria: tuple[Criterion, ...]

    @property
    def scores(self) -> range:
        return range(self.scale_min, self.scale_max + 1)

    def result(self, scores: dict[str, int]) -> RubricResult:
        """Weigh one score per criterion key; raises ValueError for a missing, unknown or out-of-scale score."""
        if set(scores) != {criterion.key for criterion in self.criteria}:
            raise ValueError("每项评分标准都须有且只有一个分数")
        if any(isinstance(s, bool) or not isinstance(s, int) or s not in self.scores for s in scores.values()):
            raise ValueError(f"分数应在 {self.scale_min}–{self.scale_max} 之间")
        weighted = sum((c.weight * scores[c.key] for c in self.criteria), Decimal(0)) / WEIGHT_TOTAL
        return RubricResult(weighted=weighted, passed=weighted >= self.pass_threshold)


@dataclass(frozen=True)
class Assessment:
    """The practical assessment of a cell: a scenario type of the guide, the task set, and its rubric."""

    scenario: str
    task: str
    rubric: Rubric

    @property
    def scenario_label(self) -> str:
        return SCENARIO_TYPES[self.scenario]


@dataclass(frozen=True)
class LevelQuiz:
    """A short quiz drawn from the bank (exam-style draws), retaken by rounds after a cooldown."""

    draws: tuple[Draw, ...]
    pass_mark: Decimal
    attempts: int
    cooldown_days: int
    time_limit_minutes: int
    draw_lines: tuple[int, ...] = field(default=(), compare=False)

    @property
    def question_count(self) -> int:
        return sum(draw.count for draw in self.draws)


@dataclass(frozen=True)
class Cell:
    """One of the 15 cells: a dimension at a level, with everything it takes to achieve it."""

    dimension: str
    level: str
    clause: str
    descriptor: str
    lessons: tuple[str, ...]
    quiz: LevelQuiz
    assessment: Assessment
    prerequisite: str | None  # the cell key of the level below; None for 初级
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)
    lines: dict = field(default_factory=dict, compare=False, hash=False)  # field name -> line

    @property
    def key(self) -> str:
        return cell_key(self.dimension, self.level)

    @property
    def label(self) -> str:
        return cell_label(self.key)


@dataclass(frozen=True)
class Certification:
    """The certification rule (7.3.1): `level` held in every one of `dimensions`."""

    title: str
    clause: str
    quote: str
    level: str
    dimensions: tuple[str, ...]
    line: int = field(default=0, compare=False)

    @property
    def required_cells(self) -> tuple[str, ...]:
        return tuple(cell_key(dimension, self.level) for dimension in self.dimensions)

    def holds(self, achieved: set[str] | frozenset[str]) -> bool:
        """True when the achieved cell keys include every cell the rule requires."""
        return set(self.required_cells) <= set(achieved)


@dataclass(frozen=True)
class Tracks:
    """The whole tracks file: its cells in the guide's order and the certification rule."""

    title: str
    file: str
    cells: tuple[Cell, ...]
    certification: Certification

    def cell(self, dimension: str, level: str) -> Cell:
        return next(cell for cell in self.cells if (cell.dimension, cell.level) == (dimension, level))

    @property
    def content_hash(self) -> str:
        """SHA-256 over everything the file defines (not where it is written)."""

        def strip(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: strip(v) for k, v in value.items() if k not in ("file", "line", "lines", "draw_lines")}
            if isinstance(value, list | tuple):
                return [strip(v) for v in value]
            return str(value) if isinstance(value, Decimal) else value

        data = strip(asdict(self))
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- loading ----------------------------------------------------------------------------------


class _Errors:
    """Accumulates errors for the file, so a reviewer sees them all at once."""

    def __init__(self, file: str):
        self.file = file
        self.errors: list[TrackError] = []

    def add(self, line: int | None, message: str, cell: str | None = None) -> None:
        self.errors.append(TrackError(self.file, line, message, cell))


def load_tracks(
    path: str | Path, texts: dict[str, str] | None = None, banks: list[QuestionBank] | None = None
) -> Tracks:
    """Load the tracks file at `path` (a file, or a folder holding tracks.yaml).

    With `texts` (clause id -> lesson plain text, see `lms.question_bank.check.clause_texts`)
    clauses and quotes are checked too; with `banks`, that every draw can be filled.
    Raises TrackLoadError listing every problem with file and line.
    """
    file = Path(path)
    file = file / TRACKS_FILE if file.is_dir() else file
    errors = _Errors(str(file))
    try:
        data = parse_yaml(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrackLoadError([TrackError(str(file), None, "找不到技能路径文件")]) from None
    except UnicodeDecodeError:
        raise TrackLoadError([TrackError(str(file), None, "文件不是 UTF-8 编码")]) from None
    except YamlProblem as problem:
        raise TrackLoadError([TrackError(str(file), problem.line, problem.message)]) from None
    if not isinstance(data, Located):
        raise TrackLoadError(
            [TrackError(str(file), 1, "文件内容应是一个映射（title、quiz_defaults、certification、tracks）")]
        )
    _unknown_keys(data, _TOP_KEYS, errors)
    defaults = _quiz_defaults(data.get("quiz_defaults"), data.key_lines.get("quiz_defaults", data.line), errors)
    title = _text(data, "title", "标题 title", errors, required=False) or "销售技能进阶路径"
    cells = _cells(data, defaults, errors)
    certification = _certification(data, errors)
    if cells is not None:
        _check_prerequisites(cells, errors)
    if errors.errors:
        raise TrackLoadError(sorted(errors.errors, key=lambda error: error.line or 0))
    tracks = Tracks(title=title, file=str(file), cells=tuple(cells), certification=certification)
    problems = check_tracks(tracks, texts, banks)
    if problems:
        raise TrackLoadError(sorted(problems, key=lambda error: error.line or 0))
    return tracks


def _unknown_keys(
    mapping: Located, allowed: set[str], errors: _Errors, cell: str | None = None, where: str = ""
) -> None:
    for key in mapping:
        if key not in allowed:
            errors.add(mapping.key_lines[key], f"{where}未知的键「{key}」，可用：" + "、".join(sorted(allowed)), cell)


def _is_key(value: Any, table: dict) -> bool:
    """True when `value` is one of `table`'s keys (a list or mapping from YAML never is)."""
    return isinstance(value, str) and value in table


def _line(mapping: Located, key: str) -> int:
    return mapping.key_lines.get(key, mapping.line)


def _text(
    mapping: Located, key: str, label: str, errors: _Errors, cell: str | None = None, required: bool = True
) -> str:
    value = mapping.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(_line(mapping, key), f"缺少{label}", cell)
        return ""
    if not isinstance(value, str):
        errors.add(_line(mapping, key), f"{label}应是文本", cell)
        return ""
    return value.strip()


def _clause(mapping: Located, key: str, errors: _Errors, cell: str | None = None) -> str:
    if mapping.get(key) in (None, ""):
        errors.add(_line(mapping, key), f'缺少条款 {key}（如 "5.2"）', cell)
        return ""
    # `clause: 5.10` is a float to YAML: take the text as written.
    raw = str(mapping.raw.get(key, mapping[key])).strip()
    if not CLAUSE_PATTERN.match(raw):
        errors.add(_line(mapping, key), f'条款编号「{raw}」无效，应如 "5.2"、"7.1b"', cell)
    return raw


def _integer(mapping: Located, key: str, default: Any, minimum: int, errors: _Errors, cell: str | None) -> Any:
    value = mapping.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        errors.add(_line(mapping, key), f"{key} 应是不小于 {minimum} 的整数（现为 {value!r}）", cell)
        return minimum
    return value


def _percent(mapping: Located, key: str, default: Any, errors: _Errors, cell: str | None) -> Decimal:
    value = mapping.get(key, default)
    number = decimal_of(value)
    if number is None or not 0 < number <= 100:
        errors.add(_line(mapping, key), f"{key} 应在 0（不含）到 100 之间（现为 {value!r}）", cell)
        return Decimal(80)
    return number


def _quiz_defaults(value: Any, line: int, errors: _Errors) -> dict:
    if value is None:
        return dict(QUIZ_DEFAULTS)
    if not isinstance(value, Located):
        errors.add(line, "quiz_defaults 应是映射（pass_mark、attempts、cooldown_days、time_limit_minutes）")
        return dict(QUIZ_DEFAULTS)
    _unknown_keys(value, _QUIZ_KEYS - {"draws"}, errors, where="quiz_defaults 中")
    return _quiz_settings(value, QUIZ_DEFAULTS, errors, None)


def _quiz_settings(mapping: Located, defaults: dict, errors: _Errors, cell: str | None) -> dict:
    return {
        "pass_mark": _percent(mapping, "pass_mark", defaults["pass_mark"], errors, cell),
        "attempts": _integer(mapping, "attempts", defaults["attempts"], 1, errors, cell),
        "cooldown_days": _integer(mapping, "cooldown_days", defaults["cooldown_days"], 0, errors, cell),
        "time_limit_minutes": _integer(mapping, "time_limit_minutes", defaults["time_limit_minutes"], 1, errors, cell),
    }


def _cells(data: Located, defaults: dict, errors: _Errors) -> list[Cell] | None:
    tracks = data.get("tracks")
    if not isinstance(tracks, Located):
        errors.add(_line(data, "tracks"), "缺少 tracks：按技能维度、再按等级写出 15 格")
        return None
    cells = []
    for dimension in tracks:
        if dimension not in SKILL_DIMENSIONS:
            errors.add(
                tracks.key_lines[dimension],
                f"技能维度「{dimension}」无效，可用：" + "、".join(f"{k}（{v}）" for k, v in SKILL_DIMENSIONS.items()),
            )
    for dimension, dimension_label in SKILL_DIMENSIONS.items():
        levels = tracks.get(dimension)
        if not isinstance(levels, Located):
            errors.add(
                tracks.key_lines.get(dimension, tracks.line),
                f"缺少技能维度 {dimension}（{dimension_label}）的三个等级"
                if levels is None
                else f"技能维度 {dimension} 应按等级写成映射：basic、intermediate、advanced",
            )
            continue
        for level in levels:
            if level not in SKILL_LEVELS:
                errors.add(
                    levels.key_lines[level],
                    f"等级「{level}」无效，可用：" + "、".join(f"{k}（{v}）" for k, v in SKILL_LEVELS.items()),
                )
        for level, level_label in SKILL_LEVELS.items():
            key = cell_key(dimension, level)
            if level not in levels:
                errors.add(tracks.key_lines[dimension], f"缺少等级 {level}（{level_label}）这一格", key)
                continue
            cell = _cell(levels[level], levels.key_lines[level], dimension, level, defaults, errors)
            if cell is not None:
                cells.append(cell)
    return cells


def _cell(item: Any, line: int, dimension: str, level: str, defaults: dict, errors: _Errors) -> Cell | None:
    key = cell_key(dimension, level)
    if not isinstance(item, Located):
        errors.add(line, "每一格应是映射（clause、descriptor、lessons、quiz、assessment、prerequisite）", key)
        return None
    before = len(errors.errors)
    _unknown_keys(item, _CELL_KEYS, errors, key)
    clause = _clause(item, "clause", errors, key)
    descriptor = _text(item, "descriptor", "指南中的阶段描述 descriptor（逐字引用）", errors, key)
    lessons, lesson_lines = _lessons(item, errors, key)
    quiz = _quiz(item, dimension, level, defaults, errors, key)
    assessment = _assessment(item, errors, key)
    prerequisite = item.get("prerequisite")
    if prerequisite is not None and not isinstance(prerequisite, str):
        errors.add(_line(item, "prerequisite"), "先修 prerequisite 应写成 维度/等级，如 communication/basic", key)
    if len(errors.errors) > before:
        return None
    lines = {name: item.key_lines.get(name, item.line) for name in _CELL_KEYS} | {"lesson_items": lesson_lines}
    return Cell(
        dimension=dimension,
        level=level,
        clause=clause,
        descriptor=descriptor,
        lessons=lessons,
        quiz=quiz,
        assessment=assessment,
        prerequisite=prerequisite,
        file=errors.file,
        line=line,
        lines=lines,
    )


def _lessons(item: Located, errors: _Errors, cell: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    lessons = item.get("lessons")
    if not isinstance(lessons, LocatedList) or not lessons:
        errors.add(_line(item, "lessons"), 'lessons 应列出至少一课的条款编号，如 ["5.2", "4.1"]', cell)
        return (), ()
    found, lines = [], []
    for value, line in zip(lessons, lessons.item_lines, strict=True):
        # Only quoted text is safe: YAML reads 5.10 as the number 5.1.
        if not isinstance(value, str) or not CLAUSE_PATTERN.match(value.strip()):
            errors.add(line, f'课时条款「{value}」无效：请写成带引号的条款编号，如 "5.2"', cell)
        elif value.strip() in found:
            errors.add(line, f"课时 {value.strip()} 重复", cell)
        else:
            found.append(value.strip())
            lines.append(line)
    return tuple(found), tuple(lines)


def _quiz(item: Located, dimension: str, level: str, defaults: dict, errors: _Errors, cell: str) -> LevelQuiz | None:
    quiz = item.get("quiz")
    if not isinstance(quiz, Located):
        errors.add(
            _line(item, "quiz"), "缺少等级测验 quiz（draws 抽题规则，可选 pass_mark、attempts、cooldown_days）", cell
        )
        return None
    _unknown_keys(quiz, _QUIZ_KEYS, errors, cell, "quiz 中")
    settings = _quiz_settings(quiz, defaults, errors, cell)
    draws_value = quiz.get("draws")
    if not isinstance(draws_value, LocatedList) or not draws_value:
        errors.add(_line(quiz, "draws"), "quiz.draws 至少需要一条抽题规则，如 {count: 5, points: 20}", cell)
        return None
    draws, lines = [], []
    for index, (draw, line) in enumerate(zip(draws_value, draws_value.item_lines, strict=True), start=1):
        parsed = _draw(draw, line, index, dimension, level, errors, cell)
        if parsed is not None:
            draws.append(parsed)
            lines.append(line)
    total = sum((draw.points * draw.count for draw in draws), Decimal(0))
    if len(draws) == len(draws_value) and total != QUIZ_POINTS_TOTAL:
        errors.add(_line(quiz, "draws"), f"各抽题规则的分值合计应为 100（现为 {total.normalize():f}）", cell)
    return LevelQuiz(draws=tuple(draws), draw_lines=tuple(lines), **settings)


def _draw(draw: Any, line: int, index: int, dimension: str, level: str, errors: _Errors, cell: str) -> Draw | None:
    if not isinstance(draw, Located):
        errors.add(line, f"第 {index} 条抽题规则应是映射，如 {{count: 5, points: 20}}", cell)
        return None
    before = len(errors.errors)
    _unknown_keys(draw, _DRAW_KEYS, errors, cell, f"第 {index} 条抽题规则中")
    # A level quiz tests its own cell: the dimension is the cell's, the level the cell's or one below it.
    draw_dimension = draw.get("dimension", dimension)
    if draw_dimension != dimension:
        errors.add(_line(draw, "dimension"), f"第 {index} 条抽题规则的 dimension 应为本格的 {dimension}", cell)
    draw_level = draw.get("level", level)
    if draw_level not in LEVEL_ORDER or LEVEL_ORDER.index(draw_level) > LEVEL_ORDER.index(level):
        errors.add(
            _line(draw, "level"),
            f"第 {index} 条抽题规则的 level 应为本格或更低的等级："
            + "、".join(LEVEL_ORDER[: LEVEL_ORDER.index(level) + 1]),
            cell,
        )
    count = _integer(draw, "count", None, 1, errors, cell)
    points = decimal_of(draw.get("points"))
    if points is None or points <= 0:
        errors.add(_line(draw, "points"), f"第 {index} 条抽题规则的 points 应是大于 0 的数字", cell)
    tags = draw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        errors.add(_line(draw, "tags"), f"第 {index} 条抽题规则的 tags 应是文本列表", cell)
    clause = _clause(draw, "clause", errors, cell) if "clause" in draw else None
    chapter = str(draw.raw.get("chapter", draw["chapter"])).strip() if "chapter" in draw else None
    if len(errors.errors) > before:
        return None
    return Draw(
        count=count,
        points=points,
        chapter=chapter,
        clause=clause,
        tags=tuple(tags),
        dimension=dimension,
        level=draw_level,
    )


def _assessment(item: Located, errors: _Errors, cell: str) -> Assessment | None:
    assessment = item.get("assessment")
    if not isinstance(assessment, Located):
        errors.add(_line(item, "assessment"), "缺少实践考核 assessment（scenario、task、rubric）", cell)
        return None
    _unknown_keys(assessment, _ASSESSMENT_KEYS, errors, cell, "assessment 中")
    scenario = assessment.get("scenario")
    if not _is_key(scenario, SCENARIO_TYPES):
        errors.add(
            _line(assessment, "scenario"),
            "考核场景 scenario 应为指南列出的方式之一：" + "、".join(f"{k}（{v}）" for k, v in SCENARIO_TYPES.items()),
            cell,
        )
    task = _text(assessment, "task", "考核任务 task", errors, cell)
    rubric = _rubric(assessment, _line(item, "assessment"), errors, cell)
    if rubric is None or not _is_key(scenario, SCENARIO_TYPES):
        return None
    return Assessment(scenario=scenario, task=task, rubric=rubric)


def _rubric(assessment: Located, assessment_line: int, errors: _Errors, cell: str) -> Rubric | None:
    rubric = assessment.get("rubric")
    if not isinstance(rubric, Located):
        errors.add(
            assessment.key_lines.get("rubric", assessment_line),
            "缺少评分表 rubric（scale、pass_threshold、criteria）",
            cell,
        )
        return None
    before = len(errors.errors)
    _unknown_keys(rubric, _RUBRIC_KEYS, errors, cell, "rubric 中")
    scale = rubric.get("scale", list(DEFAULT_SCALE))
    if (
        not isinstance(scale, list)
        or len(scale) != 2
        or not all(type(s) is int for s in scale)
        or not 0 <= scale[0] < scale[1] <= 10
    ):
        errors.add(_line(rubric, "scale"), "分数范围 scale 应写成 [最低分, 最高分]，如 [1, 4]", cell)
        scale = list(DEFAULT_SCALE)
    low, high = scale
    threshold = decimal_of(rubric.get("pass_threshold"))
    if threshold is None or not low <= threshold <= high:
        errors.add(
            _line(rubric, "pass_threshold"),
            f"通过线 pass_threshold 是加权平均分，应在 {low}–{high} 之间（现为 {rubric.get('pass_threshold')!r}）",
            cell,
        )
    criteria_value = rubric.get("criteria")
    if not isinstance(criteria_value, LocatedList) or not MIN_CRITERIA <= len(criteria_value) <= MAX_CRITERIA:
        errors.add(
            _line(rubric, "criteria"),
            f"评分表应有 {MIN_CRITERIA}–{MAX_CRITERIA} 项评分标准 criteria"
            + (f"（现为 {len(criteria_value)} 项）" if isinstance(criteria_value, list) else ""),
            cell,
        )
        return None
    criteria = [
        _criterion(value, line, range(low, high + 1), errors, cell)
        for value, line in zip(criteria_value, criteria_value.item_lines, strict=True)
    ]
    keys = [criterion.key for criterion in criteria if criterion]
    for criterion in criteria:
        if criterion and keys.count(criterion.key) > 1:
            errors.add(criterion.line, f"评分标准 key「{criterion.key}」重复", cell)
    if all(criteria):
        total = sum((criterion.weight for criterion in criteria), Decimal(0))
        if total != WEIGHT_TOTAL:
            errors.add(
                _line(rubric, "criteria"), f"各评分标准的权重 weight 合计应为 100（现为 {total.normalize():f}）", cell
            )
    if len(errors.errors) > before:
        return None
    return Rubric(scale_min=low, scale_max=high, pass_threshold=threshold, criteria=tuple(criteria))


def _criterion(value: Any, line: int, scores: range, errors: _Errors, cell: str) -> Criterion | None:
    if not isinstance(value, Located):
        errors.add(line, "每项评分标准应是映射（key、name、weight、scores）", cell)
        return None
    before = len(errors.errors)
    _unknown_keys(value, _CRITERION_KEYS, errors, cell, "评分标准中")
    key = value.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        errors.add(_line(value, "key"), "评分标准 key 应是小写字母、数字和下划线，如 listening", cell)
    name = _text(value, "name", "评分标准名称 name", errors, cell)
    weight = decimal_of(value.get("weight"))
    if weight is None or weight <= 0:
        errors.add(_line(value, "weight"), f"评分标准「{name or key}」的权重 weight 应是大于 0 的数字（百分比）", cell)
    described = value.get("scores")
    descriptors = []
    if not isinstance(described, Located):
        errors.add(_line(value, "scores"), f"评分标准「{name or key}」缺少 scores：为每个分数写一句描述", cell)
    else:
        for score in described:
            if type(score) is not int:
                errors.add(
                    described.key_lines[score],
                    f"评分标准「{name or key}」的分数「{score}」应写成整数（不加引号）",
                    cell,
                )
            elif score not in scores:
                errors.add(
                    described.key_lines[score],
                    f"评分标准「{name or key}」的分数 {score} 不在 {scores.start}–{scores.stop - 1} 之内",
                    cell,
                )
        for score in scores:
            text = described.get(score)
            if not isinstance(text, str) or not text.strip():
                errors.add(
                    described.key_lines.get(score, described.line),
                    f"评分标准「{name or key}」缺少 {score} 分的描述",
                    cell,
                )
            else:
                descriptors.append((score, text.strip()))
    if len(errors.errors) > before:
        return None
    return Criterion(key=key, name=name, weight=weight, descriptors=tuple(descriptors), line=line)


def _certification(data: Located, errors: _Errors) -> Certification | None:
    value = data.get("certification")
    if not isinstance(value, Located):
        errors.add(
            _line(data, "certification"), "缺少认证规则 certification（title、clause、quote、level、dimensions）"
        )
        return None
    before = len(errors.errors)
    _unknown_keys(value, _CERT_KEYS, errors, where="certification 中")
    level = value.get("level")
    if not _is_key(level, SKILL_LEVELS):
        errors.add(_line(value, "level"), "certification.level 应为：" + "、".join(SKILL_LEVELS))
    dimensions = value.get("dimensions", "all")
    if dimensions == "all":
        dimensions = list(SKILL_DIMENSIONS)
    if (
        not isinstance(dimensions, list)
        or not dimensions
        or not all(_is_key(d, SKILL_DIMENSIONS) for d in dimensions)
        or len(set(dimensions)) != len(dimensions)
    ):
        errors.add(
            _line(value, "dimensions"),
            "certification.dimensions 应为 all 或技能维度列表：" + "、".join(SKILL_DIMENSIONS),
        )
        dimensions = []
    certification = Certification(
        title=_text(value, "title", "认证名称 title", errors),
        clause=_clause(value, "clause", errors),
        quote=_text(value, "quote", "引文 quote", errors),
        level=level,
        dimensions=tuple(d for d in SKILL_DIMENSIONS if d in dimensions),
        line=_line(data, "certification"),
    )
    return None if len(errors.errors) > before else certification


def _check_prerequisites(cells: list[Cell], errors: _Errors) -> None:
    """A prerequisite must be the level below in the same dimension; report cycles once each."""
    by_key = {cell.key: cell for cell in cells}
    for cell in cells:
        below = level_below(cell.level)
        expected = cell_key(cell.dimension, below) if below else None
        line = cell.lines["prerequisite"]
        if cell.prerequisite == expected:
            continue
        if expected is None:
            errors.add(line, f"初级没有先修，应删去 prerequisite（现为 {cell.prerequisite}）", cell.key)
        elif cell.prerequisite is None:
            errors.add(line, f"缺少先修 prerequisite：应为下一级 {expected}", cell.key)
        else:
            errors.add(line, f"先修 {cell.prerequisite} 不是同一维度的下一级，应为 {expected}", cell.key)
    seen_cycles: set[frozenset] = set()
    for start in by_key:
        path, current = [], start
        while current in by_key and current not in path:
            path.append(current)
            current = by_key[current].prerequisite
        if current in path:
            cycle = path[path.index(current) :]
            if frozenset(cycle) not in seen_cycles:
                seen_cycles.add(frozenset(cycle))
                first = by_key[cycle[0]]
                errors.add(first.lines["prerequisite"], "先修关系成环：" + " → ".join(cycle + [cycle[0]]), first.key)


# --- checks against the course and the bank --------------------------------------------------


def check_tracks(
    tracks: Tracks, texts: dict[str, str] | None = None, banks: list[QuestionBank] | None = None
) -> list[TrackError]:
    """Errors against the course (`texts`: clause ids, verbatim quotes) and the bank (`banks`: enough questions).

    Either may be None, and then that part is not checked. Quotes are compared after
    the question bank's normalisation (`normalise_for_quote`), so the two checks agree.
    """
    errors = _Errors(tracks.file)
    if texts is not None:
        folded = {clause: normalise_for_quote(text) for clause, text in texts.items()}
        for cell in tracks.cells:
            _check_quote(
                cell.clause, cell.descriptor, cell.lines["clause"], cell.lines["descriptor"], folded, errors, cell.key
            )
            for lesson, line in zip(cell.lessons, cell.lines["lesson_items"], strict=True):
                if lesson not in folded:
                    errors.add(line, f"课时条款 {lesson} 在课程内容（content/）中不存在", cell.key)
        cert = tracks.certification
        _check_quote(cert.clause, cert.quote, cert.line, cert.line, folded, errors, None)
    if banks is not None:
        candidates = bank_candidates(banks)
        for cell in tracks.cells:
            taken: list[tuple[set, int]] = []
            for index, (draw, line) in enumerate(zip(cell.quiz.draws, cell.quiz.draw_lines, strict=True), start=1):
                # As in the exam check: a draw can count on its matches minus what earlier overlapping draws take.
                matching = {c.ref for c in candidates if draw.matches(c)}
                reserved = sum(count for refs, count in taken if refs & matching)
                if len(matching) - reserved < draw.count:
                    taken_note = f"，其中最多 {reserved} 题可能已被前面的规则抽走" if reserved else ""
                    errors.add(
                        line,
                        f"第 {index} 条抽题规则（{draw.label()}）需要 {draw.count} 题，"
                        f"题库中符合的有 {len(matching)} 题{taken_note}",
                        cell.key,
                    )
                taken.append((matching, draw.count))
    return errors.errors


def _check_quote(
    clause: str,
    quote: str,
    clause_line: int,
    quote_line: int,
    folded: dict[str, str],
    errors: _Errors,
    cell: str | None,
) -> None:
    if clause not in folded:
        errors.add(clause_line, f"条款 {clause} 在课程内容（content/）中不存在", cell)
    elif normalise_for_quote(quote) not in folded[clause]:
        errors.add(quote_line, f"引文「{quote}」在条款 {clause} 的课文中找不到（须逐字引用）", cell)
