"""`lms record rebuild --check`: recompute every fact from the source tables and compare with the ledger.

Each feature package that writes facts has a provider module
(`lms/<package>/facts.py`) whose `expected_facts()` yields, for the current
state of its tables, the fact the ledger should hold as current for each
(kind, source): {"kind", "subject_id", "source", "occurred_at", "payload"}.
`FACT_KINDS` in the module names the kinds it answers for (else the kinds it
yielded). The check compares those with the ledger's current facts (payload as
canonical JSON) and reports what is missing, different or unexpected. A
current fact that is a withdrawal (``"withdrawn": true``) counts as no fact.
Kinds no provider answers for are listed as not checked. Only reads.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from lms.models import FactKind
from lms.record import hashing, service

# The providers, by module path; those not written yet are skipped (and named in the report).
PROVIDERS = (
    "lms.onboarding.facts",
    "lms.exams.facts",
    "lms.cases.facts",
    "lms.tracks.facts",
    "lms.certificates.facts",
    "lms.performance.facts",
    "lms.incentives.facts",
)

MISSING, DIFFERENT, UNEXPECTED = "missing", "different", "unexpected"
PROBLEM_LABELS = {MISSING: "缺少", DIFFERENT: "不一致", UNEXPECTED: "多出"}


@dataclass(frozen=True)
class Difference:
    """One (kind, source) where the ledger and the source tables disagree, with what each says."""

    problem: str  # MISSING | DIFFERENT | UNEXPECTED
    kind: str
    source: str
    expected: dict | None = None  # what the tables call for (payload normalised)
    recorded: dict | None = None  # what the ledger's current fact says
    recorded_seq: int | None = None

    def __str__(self) -> str:
        label = f"{PROBLEM_LABELS[self.problem]}：{_kind_label(self.kind)}（{self.kind}）来源 {self.source}"
        if self.problem == MISSING:
            return f"{label}：源数据应有这条记录，档案中没有。应为 {_text(self.expected)}"
        if self.problem == UNEXPECTED:
            return f"{label}：档案第 {self.recorded_seq} 条在源数据中找不到依据。档案为 {_text(self.recorded)}"
        return f"{label}：档案第 {self.recorded_seq} 条与源数据不符：" + "；".join(self.changes())

    def changes(self) -> list[str]:
        """The fields (payload keys as payload.key) whose values differ, in Chinese."""
        found = []
        for name in ("subject_id", "occurred_at"):
            if self.expected[name] != self.recorded[name]:
                found.append(f"{name} 档案为 {self.recorded[name]}，源数据为 {self.expected[name]}")
        old, new = self.recorded["payload"], self.expected["payload"]
        for key in sorted(set(old) | set(new)):
            if old.get(key, "（无）") != new.get(key, "（无）"):
                found.append(
                    f"payload.{key} 档案为 {_value(old.get(key, '（无）'))}，源数据为 {_value(new.get(key, '（无）'))}"
                )
        return found


@dataclass
class RebuildReport:
    """What the check compared and found."""

    differences: list[Difference] = field(default_factory=list)
    expected_count: int = 0
    recorded_count: int = 0
    providers: list[str] = field(default_factory=list)
    absent_providers: list[str] = field(default_factory=list)
    unchecked_kinds: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def count(self, problem: str) -> int:
        """How many differences of one kind (MISSING, DIFFERENT, UNEXPECTED) were found."""
        return sum(1 for difference in self.differences if difference.problem == problem)

    def summary(self) -> str:
        """One line in Chinese: what was compared and how many differences of each sort."""
        head = f"核对 {self.expected_count} 条源数据应有的记录与 {self.recorded_count} 条档案当前记录"
        if self.ok:
            return f"{head}：完全一致"
        counts = "，".join(f"{PROBLEM_LABELS[p]} {self.count(p)} 条" for p in (MISSING, DIFFERENT, UNEXPECTED))
        return f"{head}：{counts}"


class ProviderError(RuntimeError):
    """A provider yielded a fact that cannot be compared (two for one source, an unknown kind, a float…)."""


def load_providers(paths: Iterable[str] = PROVIDERS) -> tuple[list, list[str]]:
    """(imported provider modules, paths that do not exist yet); an error inside an existing module propagates."""
    modules, absent = [], []
    for path in paths:
        try:
            modules.append(importlib.import_module(path))
        except ModuleNotFoundError as error:
            if error.name is None or not path.startswith(error.name):
                raise
            absent.append(path)
    return modules, absent


def check(paths: Iterable[str] = PROVIDERS) -> RebuildReport:
    """Compare every provider's expected facts with the ledger's current facts (see the module docstring)."""
    modules, absent = load_providers(paths)
    report = RebuildReport(providers=[m.__name__ for m in modules], absent_providers=absent)
    checked: set[str] = set()
    for module in modules:
        expected = _expected_of(module)
        kinds = {FactKind(kind).value for kind in getattr(module, "FACT_KINDS", ())} or {k for k, _ in expected}
        if kinds & checked:
            raise ProviderError(f"{module.__name__} 与另一个提供者重复负责 {sorted(kinds & checked)}")
        checked |= kinds
        report.expected_count += len(expected)
        for kind in sorted(kinds):
            recorded = {s: f for s, f in service.current_facts(kind).items() if not f.withdrawn}
            report.recorded_count += len(recorded)
            _compare(kind, {s: e for (k, s), e in expected.items() if k == kind}, recorded, report)
    report.unchecked_kinds = [kind.value for kind in FactKind if kind.value not in checked]
    return report


def _expected_of(module) -> dict[tuple[str, str], dict]:
    expected: dict[tuple[str, str], dict] = {}
    for fact in module.expected_facts():
        kind = FactKind(fact["kind"]).value
        key = (kind, fact["source"])
        if key in expected:
            raise ProviderError(f"{module.__name__} 为同一来源 {fact['source']} 给出了两条 {kind} 记录")
        try:
            payload_text = hashing.canonical_json(fact["payload"] or {})
        except hashing.NotCanonical as error:
            raise ProviderError(f"{module.__name__} 给出的 {kind} {fact['source']} 内容不规范：{error}") from error
        expected[key] = {
            "subject_id": fact["subject_id"],
            "occurred_at": fact["occurred_at"],
            "payload_text": payload_text,
        }
    return expected


def _compare(kind: str, expected: dict[str, dict], recorded: dict[str, service.CurrentFact], report) -> None:
    for source, want in expected.items():
        have = recorded.get(source)
        want_view = {
            "subject_id": want["subject_id"],
            "occurred_at": _time(want["occurred_at"]),
            "payload": json.loads(want["payload_text"]),
        }
        if have is None:
            report.differences.append(Difference(MISSING, kind, source, expected=want_view))
        elif (have.subject_id, have.occurred_at, have.payload) != (
            want["subject_id"],
            want["occurred_at"],
            want["payload_text"],
        ):
            have_view = {"subject_id": have.subject_id, "occurred_at": _time(have.occurred_at)}
            have_view["payload"] = json.loads(have.payload)
            report.differences.append(Difference(DIFFERENT, kind, source, want_view, have_view, have.seq))
    for source in sorted(set(recorded) - set(expected)):
        have = recorded[source]
        have_view = {"subject_id": have.subject_id, "occurred_at": _time(have.occurred_at)}
        have_view["payload"] = json.loads(have.payload)
        report.differences.append(Difference(UNEXPECTED, kind, source, recorded=have_view, recorded_seq=have.seq))


def _time(moment: datetime) -> str:
    return hashing.format_time(moment) if isinstance(moment, datetime) else str(moment)


def _kind_label(kind: str) -> str:
    try:
        return FactKind(kind).label
    except ValueError:
        return kind


def _value(value) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _text(view: dict | None) -> str:
    return json.dumps(view, ensure_ascii=False, sort_keys=True) if view else "—"
