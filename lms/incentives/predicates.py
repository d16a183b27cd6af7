"""The closed set of predicate kinds incentive rules are built from (issue 14, 6). Pure: no Flask, no database.

A rule of content/incentives.yaml names one kind under `when:` with its
parameters. Each kind can say in plain Chinese what it asks (`describe`) and,
given one person's current facts and the period evaluated, whether it holds,
which facts show it, which facts it looked at, and what is still missing
(`evaluate`). The kinds:

- `threshold`: a number in a fact's payload reaches a bound (KPI达成率 ≥ 120,
  客户满意度排名百分位 ≤ 10), in some fact of the window;
- `grade_in`: a performance grade of the given period kinds is one of a set
  (年度绩效等级 S/A);
- `consecutive`: the quarterly grades of the last N quarters up to the
  evaluated period are all in a set (连续3个季度 ≥A);
- `fact_exists`: a current fact of a kind exists in the window, optionally with
  payload fields equal to given values (an adopted suggestion, a 最佳新人
  award, an issued certificate).

Windows: `period` (the evaluated period), `year` (the year the evaluated
period falls in) and `any` (whenever, as long as the fact is current). A
fact's place in time is its payload's `period` when it has one, else the
local day it occurred.

Evaluation is deterministic in its inputs (the facts, in any order, and the
period), which is what lets a confirmed decision be re-explained exactly from
the facts it stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import ClassVar

from lms import clock
from lms.incentives.periods import PERIOD_KINDS, Period, PeriodError, parse_period, trailing_quarters

GRADES = ("S", "A", "B", "C", "D")  # best first (7.2.2)
GRADE_FACT = "performance_grade"
WINDOWS = {"period": "评估期间内", "year": "评估期间所在年度内", "any": "至今"}
# Names people read for payload fields and fact kinds the rules refer to; a rule may name its own.
FIELD_LABELS = {
    "kpi_rate": ("KPI达成率", "%"),
    "satisfaction_percentile": ("客户满意度排名百分位", "%"),
    "score": ("绩效总分", "分"),
}
FACT_LABELS = {
    "performance_grade": "绩效记录",
    "suggestion_adopted": "建议被采纳记录",
    "award": "获奖记录",
    "skill_certificate": "技能证书",
    "skill_level": "技能等级",
    "exam_graded": "考试成绩",
}


@dataclass(frozen=True)
class Fact:
    """One current ledger fact as the rules see it: what, about whom, when, and its payload."""

    seq: int
    hash: str
    kind: str
    subject_id: int
    occurred_at: datetime  # naive UTC, as stored
    source: str
    payload: dict = field(hash=False, compare=False)

    @cached_property
    def occurred_on(self) -> date:
        """The company-local day it happened (worked out only for the facts a window asks it of)."""
        return clock.local_date(self.occurred_at)

    @cached_property
    def period(self) -> Period | None:
        """The payload's period ("2026-Q3"), when it names a valid one (worked out once per fact)."""
        text = self.payload.get("period")
        if not isinstance(text, str):
            return None
        try:
            return parse_period(text)
        except PeriodError:
            return None


@dataclass(frozen=True)
class Outcome:
    """A predicate's answer for one person and period.

    `evidence`: the facts that satisfy it (empty when not met); `considered`:
    every fact it looked at (what a confirmation stores, so the answer can be
    given again from them alone); `missing`: what is lacking, in Chinese (None
    when met); `detail`: what the evidence shows; `remaining`: how many more
    qualifying items it needs, where it counts (1 = "one step away"), else None.
    The two texts are written only when read (`explain` gives both): a report
    page of 50 people reads none of them, a person's page all.
    """

    met: bool
    evidence: tuple[Fact, ...]
    considered: tuple[Fact, ...]
    explain: Callable[[], str] = field(default=lambda: "", compare=False, repr=False)
    remaining: int | None = None

    @cached_property
    def missing(self) -> str | None:
        return None if self.met else self.explain()

    @cached_property
    def detail(self) -> str:
        return self.explain() if self.met else ""


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _plain(number: Decimal) -> str:
    """87.50 → "87.5", 120 → "120"."""
    text = format(number.normalize(), "f")
    return text


def _by_seq(facts) -> tuple[Fact, ...]:
    return tuple(sorted(facts, key=lambda fact: fact.seq))


def grade_set_label(grades: tuple[str, ...]) -> str:
    """「≥A」 for the top grades down to A, else 「S/A/C」."""
    ordered = tuple(grade for grade in GRADES if grade in grades)
    if ordered == GRADES[: len(ordered)] and len(ordered) < len(GRADES):
        return f"≥{ordered[-1]}"
    return "/".join(ordered)


class Predicate:
    """The interface every kind implements (see the module docstring)."""

    kind: ClassVar[str]
    name: ClassVar[str]  # the kind's Chinese name
    fact_kinds: frozenset[str]

    def describe(self) -> str:
        """What the predicate asks, in plain Chinese, without a period."""
        raise NotImplementedError

    def evaluate(self, facts: list[Fact], period: Period) -> Outcome:
        """The answer for one person's current facts and the evaluated period."""
        raise NotImplementedError


def window_of(window: str, period: Period) -> Period | None:
    """The span a window means for `period` (None: no limit)."""
    if window == "period":
        return period
    if window == "year":
        return period.year
    return None


def window_phrase(window: str, period: Period | None = None) -> str:
    """「2026-Q3 内」, 「2026 年内」, 「至今」; without a period the window's general name."""
    if period is None:
        return WINDOWS[window]
    span = window_of(window, period)
    if span is None:
        return "至今"
    return f"{span.name} 年内" if span.kind == "year" else f"{span.name} 内"


def in_window(fact: Fact, span: Period | None) -> bool:
    """Whether `fact` falls in `span`: its payload period inside it, or else the day it occurred."""
    if span is None:
        return True
    own = fact.period
    return span.contains(own) if own is not None else span.contains_day(fact.occurred_on)


@dataclass(frozen=True)
class Threshold(Predicate):
    """A number in a fact's payload reaches `bound` (at least, or at most), in some fact of the window."""

    fact: str
    field: str
    bound: Decimal
    at_least: bool
    window: str = "period"
    period_kinds: tuple[str, ...] = ()
    field_label: str = ""
    unit: str = ""

    kind: ClassVar[str] = "threshold"
    name: ClassVar[str] = "数值达标"

    @property
    def fact_kinds(self) -> frozenset[str]:
        return frozenset({self.fact})

    @property
    def _label(self) -> str:
        return self.field_label or FIELD_LABELS.get(self.field, (self.field, ""))[0]

    @property
    def _unit(self) -> str:
        return self.unit or FIELD_LABELS.get(self.field, ("", ""))[1]

    def _bound_text(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {_plain(self.bound)}{self._unit}"

    def _kinds_text(self) -> str:
        return "/".join(PERIOD_KINDS[kind] for kind in self.period_kinds) if self.period_kinds else ""

    def describe(self) -> str:
        kinds = f"任一{self._kinds_text()}" if self.period_kinds else "任一条"
        source = FACT_LABELS.get(self.fact, self.fact)
        return f"{WINDOWS[self.window]}{kinds}{source}的{self._label} {self._bound_text()}"

    def _value(self, fact: Fact) -> Decimal | None:
        return _number(fact.payload.get(self.field))

    def _reaches(self, value: Decimal) -> bool:
        return value >= self.bound if self.at_least else value <= self.bound

    def evaluate(self, facts: list[Fact], period: Period) -> Outcome:
        span = window_of(self.window, period)
        values = {}  # seq -> the number, read once
        kept = []
        for fact in facts:
            if fact.kind != self.fact or (value := self._value(fact)) is None or not in_window(fact, span):
                continue
            if not self.period_kinds or (fact.period is not None and fact.period.kind in self.period_kinds):
                values[fact.seq] = value
                kept.append(fact)
        considered = _by_seq(kept)
        evidence = tuple(fact for fact in considered if self._reaches(values[fact.seq]))
        if evidence:
            return Outcome(True, evidence, considered, lambda: self._values_text(evidence))
        return Outcome(False, (), considered, lambda: self._missing_text(considered, period))

    def _missing_text(self, considered: tuple[Fact, ...], period: Period) -> str:
        where = window_phrase(self.window, period)
        if not considered:
            return f"{where}没有{self._kinds_text()}{self._label}记录"
        best = (max if self.at_least else min)(considered, key=lambda fact: (self._value(fact), fact.seq))
        value = self._value(best)
        gap = abs(self.bound - value)
        unit = "个百分点" if self._unit == "%" else self._unit
        return (
            f"{where}最好的{self._label}为 {_plain(value)}{self._unit}（{self._when(best)}），"
            f"须 {self._bound_text()}，{'还差' if self.at_least else '须再提高'} {_plain(gap)} {unit}"
        )

    def _when(self, fact: Fact) -> str:
        return fact.period.name if fact.period else fact.occurred_on.isoformat()

    def _values_text(self, facts) -> str:
        return "、".join(f"{self._when(fact)} {self._label} {_plain(self._value(fact))}{self._unit}" for fact in facts)


@dataclass(frozen=True)
class GradeIn(Predicate):
    """A performance grade of the given period kinds, in the window, is one of `grades`."""

    grades: tuple[str, ...]
    period_kinds: tuple[str, ...] = ("year",)
    window: str = "year"

    kind: ClassVar[str] = "grade_in"
    name: ClassVar[str] = "等级属于"
    fact_kinds: ClassVar[frozenset[str]] = frozenset({GRADE_FACT})

    def _kinds_text(self) -> str:
        return "/".join(PERIOD_KINDS[kind] for kind in self.period_kinds)

    def describe(self) -> str:
        return f"{WINDOWS[self.window]}的{self._kinds_text()}绩效等级为 {'/'.join(self.grades)}"

    def evaluate(self, facts: list[Fact], period: Period) -> Outcome:
        span = window_of(self.window, period)
        considered = _by_seq(
            fact
            for fact in facts
            if fact.kind == GRADE_FACT
            and fact.payload.get("grade") in GRADES
            and fact.period is not None
            and fact.period.kind in self.period_kinds
            and in_window(fact, span)
        )
        evidence = tuple(fact for fact in considered if fact.payload["grade"] in self.grades)
        return Outcome(bool(evidence), evidence, considered, lambda: self._text(considered, period, bool(evidence)))

    def _text(self, considered: tuple[Fact, ...], period: Period, met: bool) -> str:
        text = "、".join(f"{fact.period.name} {fact.payload['grade']}" for fact in considered)
        if met:
            return text
        where = window_phrase(self.window, period)
        if not considered:
            return f"{where}还没有{self._kinds_text()}绩效等级"
        return f"{where}的{self._kinds_text()}绩效等级为 {text}，须为 {'/'.join(self.grades)}"


@dataclass(frozen=True)
class Consecutive(Predicate):
    """The quarterly grades of the `count` quarters up to the evaluated period are all in `grades`."""

    grades: tuple[str, ...]
    count: int

    kind: ClassVar[str] = "consecutive"
    name: ClassVar[str] = "连续达标"
    fact_kinds: ClassVar[frozenset[str]] = frozenset({GRADE_FACT})

    def describe(self) -> str:
        label = grade_set_label(self.grades)
        return f"截至评估期间的最近连续 {self.count} 个季度，每季绩效等级均{' ' if label[0] == '≥' else '为 '}{label}"

    def evaluate(self, facts: list[Fact], period: Period) -> Outcome:
        quarters = trailing_quarters(period, self.count)
        names = {quarter.name for quarter in quarters}  # quarter names only: "2026-Q1" is no month or year
        by_quarter: dict[str, Fact] = {}
        for fact in sorted(facts, key=lambda fact: fact.seq):  # the latest fact of a quarter wins
            wanted = fact.kind == GRADE_FACT and fact.period is not None and fact.period.name in names
            if wanted and fact.payload.get("grade") in GRADES:
                by_quarter[fact.period.name] = fact
        considered = _by_seq(by_quarter.values())
        grades = [by_quarter[q.name].payload["grade"] if q.name in by_quarter else None for q in quarters]
        longest = run = 0
        for grade in grades:
            run = run + 1 if grade in self.grades else 0
            longest = max(longest, run)
        met = longest >= self.count

        def explain() -> str:
            listing, label = _quarter_listing(quarters, grades), grade_set_label(self.grades)
            if met:
                return f"{listing}：连续 {label} {longest} 个季度"
            return f"{listing}：连续 {label} 最长 {longest} 个季度，还差 {self.count - longest} 个"

        if met:
            return Outcome(True, considered, considered, explain)
        return Outcome(False, (), considered, explain, remaining=self.count - longest)


def _quarter_listing(quarters: tuple[Period, ...], grades: list[str | None]) -> str:
    """「2026-Q1 A、Q2 S、Q3 B」: the year on the first quarter and whenever it changes; 「无」 for no grade."""
    parts, year = [], None
    for quarter, grade in zip(quarters, grades, strict=True):
        name = quarter.name if quarter.start.year != year else quarter.name.split("-")[1]
        year = quarter.start.year
        parts.append(f"{name} {grade or '无'}")
    return "、".join(parts)


@dataclass(frozen=True)
class FactExists(Predicate):
    """A current fact of kind `fact` in the window, whose payload has every `where` value."""

    fact: str
    where: tuple[tuple[str, str], ...] = ()
    window: str = "period"
    what: str = ""

    kind: ClassVar[str] = "fact_exists"
    name: ClassVar[str] = "存在记录"

    @property
    def fact_kinds(self) -> frozenset[str]:
        return frozenset({self.fact})

    @property
    def _what(self) -> str:
        if self.what:
            return self.what
        conditions = "，".join(f"{key} = {value}" for key, value in self.where)
        return FACT_LABELS.get(self.fact, self.fact) + (f"（{conditions}）" if conditions else "")

    def describe(self) -> str:
        return f"{WINDOWS[self.window]}有一条{self._what}（已被更正或撤销的不算）"

    def evaluate(self, facts: list[Fact], period: Period) -> Outcome:
        span = window_of(self.window, period)
        considered = _by_seq(
            fact
            for fact in facts
            if fact.kind == self.fact
            and all(str(fact.payload.get(key)) == value for key, value in self.where)
            and in_window(fact, span)
        )
        if considered:
            return Outcome(True, considered, considered, lambda: _titles(considered))
        # No `remaining`: lacking one suggestion is not "one step away" in any useful sense.
        return Outcome(False, (), (), lambda: f"{window_phrase(self.window, period)}没有{self._what}")


def _titles(facts: tuple[Fact, ...]) -> str:
    return "、".join(str(fact.payload.get("title") or fact.payload.get("number") or fact.source) for fact in facts)


PREDICATE_KINDS: dict[str, type[Predicate]] = {
    kind.kind: kind for kind in (Threshold, GradeIn, Consecutive, FactExists)
}
