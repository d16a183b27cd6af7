"""Read the incentive rules (`content/incentives.yaml`, guide 7.3.1) into frozen dataclasses. Pure (no Flask, no DB).

The file names the clause it implements and, for each of the three reward
types (物质奖励, 精神奖励, 发展激励), its rewards and its scenarios (rules),
each quoting the guide word for word. A rule's `when:` is one predicate of the
closed set in `lms.incentives.predicates`, with that kind's parameters.

Every problem is reported with file and line, all at once, and nothing is
returned unless the whole file is valid. What needs the course (the clause
exists, the quotes are in it) and the list of fact kinds is checked by
`check_rules`, which `load_rules` runs when given them.

`Rules.hash` is the sha256 of the file's bytes: a confirmation stores it, and
the text kept under it (`parse_rules(text)`) gives back exactly the rules the
decision was made with.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from lms.incentives.periods import PERIOD_KINDS
from lms.incentives.predicates import (
    GRADES,
    PREDICATE_KINDS,
    WINDOWS,
    Consecutive,
    FactExists,
    GradeIn,
    Predicate,
    Threshold,
)
from lms.question_bank.loader import Located, LocatedList, parse_yaml
from lms.question_bank.loader import _YamlProblem as YamlProblem  # the reader's own error (line, message)
from lms.question_bank.normalise import normalise_for_quote
from lms.question_types.values import decimal_of

INCENTIVES_FILE = "incentives.yaml"
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
FIELD_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CLAUSE_PATTERN = re.compile(r"^\d+(\.\d+)*$")
MAX_CONSECUTIVE = 12

_TOP_KEYS = {"title", "clause", "quote", "types"}
_TYPE_KEYS = {"key", "label", "rewards", "rules"}
_RULE_KEYS = {"key", "title", "quote", "when"}
_WHEN_KEYS = {
    "threshold": {"kind", "fact", "field", "at_least", "at_most", "period_kinds", "window", "field_label", "unit"},
    "grade_in": {"kind", "grades", "period_kinds", "window"},
    "consecutive": {"kind", "grades", "count"},
    "fact_exists": {"kind", "fact", "where", "window", "what"},
}


@dataclass(frozen=True)
class RuleError:
    """One problem in the rules file, located by file and line."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class RuleLoadError(Exception):
    """The rules file could not be loaded; `errors` lists every problem found."""

    def __init__(self, errors: list[RuleError]):
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class Rule:
    """One scenario of 7.3.1: qualifies on its own when its predicate holds."""

    key: str
    title: str
    quote: str
    type_key: str
    predicate: Predicate
    line: int = field(default=0, compare=False)
    quote_line: int = field(default=0, compare=False)

    def describe(self) -> str:
        """The predicate's own explanation of what it asks."""
        return self.predicate.describe()


@dataclass(frozen=True)
class IncentiveType:
    """A reward type (物质奖励 …): its rewards as the guide lists them, and its rules."""

    key: str
    label: str
    rewards: tuple[str, ...]
    rules: tuple[Rule, ...]
    line: int = field(default=0, compare=False)
    label_line: int = field(default=0, compare=False)
    reward_lines: tuple[int, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Rules:
    """The whole rules file: its clause and quote, the types in order, its text and hash."""

    title: str
    clause: str
    quote: str
    types: tuple[IncentiveType, ...]
    file: str
    text: str = field(repr=False)
    clause_line: int = field(default=0, compare=False)
    quote_line: int = field(default=0, compare=False)

    @cached_property
    def hash(self) -> str:
        """sha256 of the file's UTF-8 bytes, as a confirmation stores it."""
        return rules_hash(self.text)

    @cached_property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule, in the file's order."""
        return tuple(rule for kind in self.types for rule in kind.rules)

    def rule(self, key: str) -> Rule:
        """The rule with `key`; KeyError when there is none."""
        for rule in self.rules:
            if rule.key == key:
                return rule
        raise KeyError(key)

    def type_of(self, rule: Rule) -> IncentiveType:
        return next(kind for kind in self.types if kind.key == rule.type_key)

    @cached_property
    def fact_kinds(self) -> frozenset[str]:
        """The fact kinds any rule reads (the only ones eligibility loads)."""
        return frozenset().union(*(rule.predicate.fact_kinds for rule in self.rules))


def rules_hash(text: str) -> str:
    """The hash of a rules file's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Errors:
    def __init__(self, file: str):
        self.file = file
        self.errors: list[RuleError] = []

    def add(self, line: int | None, message: str) -> None:
        self.errors.append(RuleError(self.file, line, message))


def load_rules(path: str | Path, texts: dict[str, str] | None = None, fact_kinds=None) -> Rules:
    """Load the rules file at `path` (a file, or a folder holding incentives.yaml).

    With `texts` (clause id -> lesson plain text, sub-clauses included) the
    clause and every quote are checked; with `fact_kinds`, the kinds rules
    name. Raises RuleLoadError listing every problem with file and line.
    """
    file = Path(path)
    file = file / INCENTIVES_FILE if file.is_dir() else file
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleLoadError([RuleError(str(file), None, "找不到激励规则文件")]) from None
    except UnicodeDecodeError:
        raise RuleLoadError([RuleError(str(file), None, "文件不是 UTF-8 编码")]) from None
    rules = parse_rules(text, str(file))
    problems = check_rules(rules, texts, fact_kinds)
    if problems:
        raise RuleLoadError(problems)
    return rules


def parse_rules(text: str, file: str = INCENTIVES_FILE) -> Rules:
    """Parse the rules file's `text` (named `file` in errors); raises RuleLoadError."""
    errors = _Errors(file)
    try:
        data = parse_yaml(text)
    except YamlProblem as problem:
        raise RuleLoadError([RuleError(file, problem.line, problem.message)]) from None
    if not isinstance(data, Located):
        raise RuleLoadError([RuleError(file, 1, "文件内容应是一个映射（title、clause、quote、types）")])
    _unknown_keys(data, _TOP_KEYS, errors)
    title = _text(data, "title", "标题 title", errors)
    clause = _clause(data, errors)
    quote = _text(data, "quote", "引文 quote", errors)
    types = _types(data, errors)
    if errors.errors:
        raise RuleLoadError(sorted(errors.errors, key=lambda error: error.line or 0))
    return Rules(
        title=title,
        clause=clause,
        quote=quote,
        types=types,
        file=file,
        text=text,
        clause_line=_line(data, "clause"),
        quote_line=_line(data, "quote"),
    )


def _line(mapping: Located, key: str) -> int:
    return mapping.key_lines.get(key, mapping.line)


def _unknown_keys(mapping: Located, allowed: set[str], errors: _Errors, where: str = "") -> None:
    for key in mapping:
        if key not in allowed:
            errors.add(mapping.key_lines[key], f"{where}未知的键「{key}」，可用：" + "、".join(sorted(allowed)))


def _text(mapping: Located, key: str, label: str, errors: _Errors, required: bool = True) -> str:
    value = mapping.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(_line(mapping, key), f"缺少{label}")
        return ""
    if not isinstance(value, str):
        errors.add(_line(mapping, key), f"{label}应是文本")
        return ""
    return value.strip()


def _clause(mapping: Located, errors: _Errors) -> str:
    if mapping.get("clause") in (None, ""):
        errors.add(_line(mapping, "clause"), '缺少条款 clause（如 "7.3.1"）')
        return ""
    raw = str(mapping.raw.get("clause", mapping["clause"])).strip()  # `7.3` unquoted is a float to YAML
    if not CLAUSE_PATTERN.match(raw):
        errors.add(_line(mapping, "clause"), f'条款编号「{raw}」无效，应如 "7.3.1"')
    return raw


def _key(mapping: Located, seen: dict[str, int], what: str, errors: _Errors) -> str:
    key = mapping.get("key")
    line = _line(mapping, "key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        errors.add(line, f"{what}的 key 应是小写字母开头的英文标识（a-z、0-9、_，至多 32 个字符），现为 {key!r}")
        return ""
    if key in seen:
        errors.add(line, f"{what} key「{key}」重复（第 {seen[key]} 行已使用）")
    seen[key] = line
    return key


def _list(mapping: Located, key: str, label: str, errors: _Errors) -> LocatedList | None:
    value = mapping.get(key)
    if not isinstance(value, LocatedList) or not value:
        errors.add(_line(mapping, key), f"{label}应是非空列表")
        return None
    return value


def _types(data: Located, errors: _Errors) -> tuple[IncentiveType, ...]:
    items = _list(data, "types", "奖励类型 types", errors)
    if items is None:
        return ()
    type_keys: dict[str, int] = {}
    rule_keys: dict[str, int] = {}
    found = []
    for item, line in zip(items, items.item_lines, strict=True):
        if not isinstance(item, Located):
            errors.add(line, "每个奖励类型应是映射（key、label、rewards、rules）")
            continue
        _unknown_keys(item, _TYPE_KEYS, errors, "奖励类型中")
        key = _key(item, type_keys, "奖励类型", errors)
        label = _text(item, "label", "奖励类型名称 label", errors)
        rewards, reward_lines = _rewards(item, errors)
        rules = _rules(item, key, rule_keys, errors)
        found.append(
            IncentiveType(
                key, label, rewards, rules, line=item.line, label_line=_line(item, "label"), reward_lines=reward_lines
            )
        )
    return tuple(found)


def _rewards(item: Located, errors: _Errors) -> tuple[tuple[str, ...], tuple[int, ...]]:
    rewards = _list(item, "rewards", "奖励内容 rewards", errors)
    if rewards is None:
        return (), ()
    texts, lines = [], []
    for reward, line in zip(rewards, rewards.item_lines, strict=True):
        if not isinstance(reward, str) or not reward.strip():
            errors.add(line, "奖励内容应是文本（逐字引用 7.3.1）")
            continue
        texts.append(reward.strip())
        lines.append(line)
    return tuple(texts), tuple(lines)


def _rules(item: Located, type_key: str, seen: dict[str, int], errors: _Errors) -> tuple[Rule, ...]:
    rules = _list(item, "rules", "适用场景 rules", errors)
    if rules is None:
        return ()
    found = []
    for rule, line in zip(rules, rules.item_lines, strict=True):
        if not isinstance(rule, Located):
            errors.add(line, "每条规则应是映射（key、title、quote、when）")
            continue
        _unknown_keys(rule, _RULE_KEYS, errors, "规则中")
        key = _key(rule, seen, "规则", errors)
        quote = _text(rule, "quote", "引文 quote（逐字引用 7.3.1 的适用场景）", errors)
        title = _text(rule, "title", "标题 title", errors, required=False) or quote
        predicate = _predicate(rule, errors)
        if predicate is not None:
            found.append(Rule(key, title, quote, type_key, predicate, line=rule.line, quote_line=_line(rule, "quote")))
    return tuple(found)


def _predicate(rule: Located, errors: _Errors) -> Predicate | None:
    when = rule.get("when")
    if not isinstance(when, Located):
        errors.add(_line(rule, "when"), "缺少判断条件 when（kind 及其参数）")
        return None
    kind = when.get("kind")
    if not isinstance(kind, str) or kind not in PREDICATE_KINDS:
        errors.add(_line(when, "kind"), f"未知的判断方式 kind {kind!r}，可用：" + "、".join(PREDICATE_KINDS))
        return None
    _unknown_keys(when, _WHEN_KEYS[kind], errors, f"判断方式 {kind} 中")
    before = len(errors.errors)
    predicate = _BUILDERS[kind](when, errors)
    return predicate if len(errors.errors) == before else None


def _fact(when: Located, errors: _Errors) -> str:
    value = when.get("fact")
    if not isinstance(value, str) or not KEY_PATTERN.match(value):
        errors.add(_line(when, "fact"), f"fact 应是档案记录类型（如 performance_grade），现为 {value!r}")
        return ""
    return value


def _window(when: Located, default: str, errors: _Errors) -> str:
    value = when.get("window", default)
    if value not in WINDOWS:
        errors.add(_line(when, "window"), f"window 应是 {'、'.join(WINDOWS)} 之一，现为 {value!r}")
        return default
    return value


def _period_kinds(when: Located, default: tuple[str, ...], errors: _Errors) -> tuple[str, ...]:
    value = when.get("period_kinds")
    if value is None:
        return default
    if not isinstance(value, LocatedList) or not value or any(kind not in PERIOD_KINDS for kind in value):
        errors.add(_line(when, "period_kinds"), f"period_kinds 应是 {'、'.join(PERIOD_KINDS)} 中若干项的列表")
        return default
    return tuple(kind for kind in PERIOD_KINDS if kind in value)


def _grades(when: Located, errors: _Errors) -> tuple[str, ...]:
    value = when.get("grades")
    if not isinstance(value, LocatedList) or not value or any(grade not in GRADES for grade in value):
        errors.add(_line(when, "grades"), f"grades 应是 {'/'.join(GRADES)} 中若干等级的列表，现为 {value!r}")
        return ()
    if len(set(value)) != len(value):
        errors.add(_line(when, "grades"), "grades 中有重复的等级")
    return tuple(grade for grade in GRADES if grade in value)


def _optional_text(when: Located, key: str, errors: _Errors) -> str:
    value = when.get(key, "")
    if not isinstance(value, str):
        errors.add(_line(when, key), f"{key} 应是文本")
        return ""
    return value.strip()


def _threshold(when: Located, errors: _Errors) -> Predicate:
    bounds = [key for key in ("at_least", "at_most") if key in when]
    bound = Decimal(0)
    if len(bounds) != 1:
        errors.add(when.line, "threshold 须且只须写 at_least（不低于）或 at_most（不高于）其中之一")
    else:
        number = decimal_of(when[bounds[0]])
        if number is None:
            errors.add(_line(when, bounds[0]), f"{bounds[0]} 应是数字，现为 {when[bounds[0]]!r}")
        else:
            bound = number
    field_name = when.get("field")
    if not isinstance(field_name, str) or not FIELD_PATTERN.match(field_name):
        errors.add(_line(when, "field"), f"field 应是记录内容中的字段名（如 kpi_rate），现为 {field_name!r}")
    return Threshold(
        fact=_fact(when, errors),
        field=field_name if isinstance(field_name, str) else "",
        bound=bound,
        at_least=bounds == ["at_least"],
        window=_window(when, "period", errors),
        period_kinds=_period_kinds(when, (), errors),
        field_label=_optional_text(when, "field_label", errors),
        unit=_optional_text(when, "unit", errors),
    )


def _grade_in(when: Located, errors: _Errors) -> Predicate:
    return GradeIn(
        grades=_grades(when, errors),
        period_kinds=_period_kinds(when, ("year",), errors),
        window=_window(when, "year", errors),
    )


def _consecutive(when: Located, errors: _Errors) -> Predicate:
    count = when.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_CONSECUTIVE:
        errors.add(_line(when, "count"), f"count 应是 2–{MAX_CONSECUTIVE} 的整数（连续几个季度），现为 {count!r}")
        count = 2
    return Consecutive(grades=_grades(when, errors), count=count)


def _fact_exists(when: Located, errors: _Errors) -> Predicate:
    where = when.get("where", {})
    pairs: list[tuple[str, str]] = []
    if not isinstance(where, dict):
        errors.add(_line(when, "where"), "where 应是映射（字段: 取值）")
    else:
        for key, value in where.items():
            if not isinstance(key, str) or not FIELD_PATTERN.match(key) or isinstance(value, dict | list):
                errors.add(where.key_lines.get(key, _line(when, "where")), f"where 的「{key}」应是字段名对简单取值")
                continue
            pairs.append((key, str(value)))
    return FactExists(
        fact=_fact(when, errors),
        where=tuple(sorted(pairs)),
        window=_window(when, "period", errors),
        what=_optional_text(when, "what", errors),
    )


_BUILDERS = {"threshold": _threshold, "grade_in": _grade_in, "consecutive": _consecutive, "fact_exists": _fact_exists}


def check_rules(rules: Rules, texts: dict[str, str] | None = None, fact_kinds=None) -> list[RuleError]:
    """Errors against the course (`texts`: the clause exists, every quote is in it) and the known fact kinds.

    Either may be None, and then that part is not checked. Quotes are compared
    after the question bank's normalisation (`normalise_for_quote`), as the
    tracks and bank checks do.
    """
    errors = _Errors(rules.file)
    if texts is not None:
        folded = normalise_for_quote(texts[rules.clause]) if rules.clause in texts else None
        if folded is None:
            errors.add(rules.clause_line, f"条款 {rules.clause} 在课程内容（content/）中不存在")
        else:
            for quote, line in _quotes(rules):
                if normalise_for_quote(quote) not in folded:
                    errors.add(line, f"引文「{quote}」在条款 {rules.clause} 的课文中找不到（须逐字引用）")
    if fact_kinds is not None:
        known = set(fact_kinds)
        for rule in rules.rules:
            for kind in sorted(rule.predicate.fact_kinds - known):
                errors.add(
                    rule.line, f"规则 {rule.key} 引用了未知的档案记录类型 {kind}，可用：" + "、".join(sorted(known))
                )
    return sorted(errors.errors, key=lambda error: error.line or 0)


def _quotes(rules: Rules) -> list[tuple[str, int]]:
    """Every text the file claims is the guide's: the file's quote, type labels, rewards, rule quotes."""
    quotes = [(rules.quote, rules.quote_line)]
    for kind in rules.types:
        quotes.append((kind.label, kind.label_line))
        quotes.extend(zip(kind.rewards, kind.reward_lines, strict=True))
        quotes.extend((rule.quote, rule.quote_line) for rule in kind.rules)
    return quotes


def summary(rules: Rules) -> str:
    """One Chinese line: the types, their rules and rewards."""
    parts = "、".join(f"{kind.label} {len(kind.rules)} 条" for kind in rules.types)
    return f"激励规则（{rules.clause}）：{len(rules.types)} 类奖励，{len(rules.rules)} 条适用场景（{parts}）"
