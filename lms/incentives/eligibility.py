"""Eligibility, explained (issue 14, 7): for people, a period and a date, every rule met or not, and why.

Facts come only from the ledger, and only current ones: not superseded by an
entry recorded by the date asked about. "As of" a date means as the record
stood at the end of that local day (a confirmation: as it stood when made), so a past day's answer does not change
when a grade is corrected later (the correction was recorded later).

All of a list's facts are read in one query whatever its length (the HR
report for 2,000 people issues the same queries as for 200; a test counts
them), as Core rows of the needed columns only.
"""

from __future__ import annotations

import json
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased

from lms import clock
from lms.access import STAFF_ADMIN_ROLES, Relation, answers_for
from lms.extensions import db
from lms.incentives.loader import INCENTIVES_FILE, IncentiveType, Rule, RuleError, RuleLoadError, Rules, parse_rules
from lms.incentives.periods import Period
from lms.incentives.predicates import Fact, Outcome
from lms.models import RecordEntry, User
from lms.record import hashing


@dataclass(frozen=True)
class RuleResult:
    """One rule's answer for one person."""

    rule: Rule
    outcome: Outcome

    @property
    def met(self) -> bool:
        return self.outcome.met

    @property
    def one_step_away(self) -> bool:
        """Not met, and one more qualifying item would do it (a counting rule's 还差 1 个)."""
        return not self.outcome.met and self.outcome.remaining == 1


@dataclass(frozen=True)
class TypeResult:
    """A reward type with its rules' answers: met when any rule is (each scenario qualifies on its own)."""

    type: IncentiveType
    results: tuple[RuleResult, ...]

    @property
    def met(self) -> bool:
        return any(result.met for result in self.results)


@dataclass(frozen=True)
class Eligibility:
    """Everything one person's eligibility for a period is, rule by rule."""

    person_id: int
    period: Period
    as_of: date
    rules_hash: str
    types: tuple[TypeResult, ...]

    @property
    def results(self) -> tuple[RuleResult, ...]:
        return tuple(result for kind in self.types for result in kind.results)

    @property
    def met(self) -> tuple[RuleResult, ...]:
        return tuple(result for result in self.results if result.met)

    @property
    def near(self) -> tuple[RuleResult, ...]:
        return tuple(result for result in self.results if result.one_step_away)

    @property
    def qualifies(self) -> bool:
        return bool(self.met)

    def result(self, key: str) -> RuleResult:
        return next(result for result in self.results if result.rule.key == key)


def evaluate(rules: Rules, facts: list[Fact], period: Period, person_id: int, as_of: date) -> Eligibility:
    """Apply every rule to one person's current facts (pure: the facts are given)."""
    types = tuple(
        TypeResult(kind, tuple(RuleResult(rule, rule.predicate.evaluate(facts, period)) for rule in kind.rules))
        for kind in rules.types
    )
    return Eligibility(person_id, period, as_of, rules.hash, types)


# --- the rules in force --------------------------------------------------------------------------

_RULES_CACHE: dict[tuple, Rules] = {}


def rules_file() -> Path:
    """content/incentives.yaml of the app's CONTENT_DIR."""
    return Path(current_app.config["CONTENT_DIR"]) / INCENTIVES_FILE


def current_rules() -> Rules:
    """The rules in force, parsed once per version of the file (keyed by its size and modification time).

    `lms content check` validates the file against the guide; here it is only
    parsed, since a page must not re-read the course on every request. Raises
    RuleLoadError (file:line) for a missing or broken file.
    """
    path = rules_file()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise RuleLoadError([RuleError(str(path), None, "找不到激励规则文件（content/incentives.yaml）")]) from None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    rules = _RULES_CACHE.get(key)
    if rules is None:
        rules = parse_rules(path.read_text(encoding="utf-8"), str(path))
        _RULES_CACHE.clear()
        _RULES_CACHE[key] = rules
    return rules


# --- reading facts -------------------------------------------------------------------------------

FACT_COLUMNS = (
    RecordEntry.seq,
    RecordEntry.hash,
    RecordEntry.kind,
    RecordEntry.subject_id,
    RecordEntry.occurred_at,
    RecordEntry.source,
    RecordEntry.payload,
)


def current_before(cutoff: datetime):
    """A condition on RecordEntry: recorded before `cutoff` (naive UTC), and not superseded before it."""
    later = aliased(RecordEntry)
    superseded = exists().where(and_(later.supersedes_seq == RecordEntry.seq, later.recorded_at < cutoff))
    return and_(RecordEntry.recorded_at < cutoff, ~superseded)


def _fact(row) -> Fact:
    return Fact(
        seq=row.seq,
        hash=row.hash,
        kind=row.kind,
        subject_id=row.subject_id,
        occurred_at=row.occurred_at,
        source=row.source,
        payload=json.loads(row.payload),
    )


def load_facts(subject_ids, kinds, cutoff: datetime) -> dict[int, list[Fact]]:
    """The facts of `kinds` about `subject_ids` (ids, or a select of ids) current just before `cutoff`: one query."""
    if isinstance(subject_ids, list | tuple | set | frozenset) and not subject_ids:
        return {}
    # `kind || ''` keeps the planner off the kind index: SQLite (without ANALYZE statistics) took it and scanned
    # every grade in the ledger for a page of 50 people (bench_record_report.py); the subject index finds
    # a list's facts directly, on PostgreSQL too.
    stmt = select(*FACT_COLUMNS).where(
        RecordEntry.subject_id.in_(subject_ids), (RecordEntry.kind + "").in_(sorted(kinds)), current_before(cutoff)
    )
    facts: dict[int, list[Fact]] = defaultdict(list)
    for row in db.session.execute(stmt):
        facts[row.subject_id].append(_fact(row))
    return facts


def facts_by_seq(seqs) -> dict[int, RecordEntry]:
    """Ledger entries by seq (for evidence links and re-explanations): one query."""
    if not seqs:
        return {}
    return {entry.seq: entry for entry in db.session.scalars(select(RecordEntry).where(RecordEntry.seq.in_(seqs)))}


# Eligibility already worked out, by (rules hash, period, as-of day, ledger head hash, person id). The ledger is
# append-only (its triggers refuse UPDATE and DELETE), so its head hash, which covers every entry, names one
# exact state of it: any new fact, a correction included, changes the head and so the key. What is kept can only
# be what a fresh evaluation would give. It made HR's report page for 2,000 people several times cheaper on
# repeat views (bench_record_report.py). Bounded, per worker; the least recently used go first.
_CACHE: OrderedDict[tuple, Eligibility] = OrderedDict()
CACHE_SIZE = 20_000


def ledger_head() -> str:
    """The hash of the ledger's last entry (the genesis value for an empty ledger): one primary-key lookup."""
    head = db.session.scalar(select(RecordEntry.hash).order_by(RecordEntry.seq.desc()).limit(1))
    return head or hashing.GENESIS


def eligibility_for(
    person_ids, rules: Rules, period: Period, as_of: date, cutoff: datetime | None = None
) -> dict[int, Eligibility]:
    """Each listed person's eligibility (ids; a person without facts still gets every rule, all unmet).

    The facts are those recorded by the end of local day `as_of`, or before
    `cutoff` when given (a confirmation reads the record as it stood when it
    was made). Two queries whatever the list's length: the ledger's head, then
    the facts of the people not already worked out for this state of the ledger.
    """
    ids = list(person_ids)
    cutoff = cutoff or clock.end_of_day(as_of)
    base = (rules.hash, period.name, as_of, cutoff, ledger_head())
    found = {}
    for person_id in ids:
        cached = _CACHE.get((*base, person_id))
        if cached is not None:
            _CACHE.move_to_end((*base, person_id))
            found[person_id] = cached
    missing = [person_id for person_id in ids if person_id not in found]
    facts = load_facts(missing, rules.fact_kinds, cutoff)
    for person_id in missing:
        found[person_id] = _CACHE[(*base, person_id)] = evaluate(
            rules, facts.get(person_id, []), period, person_id, as_of
        )
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return {person_id: found[person_id] for person_id in ids}


def eligibility_of(person: User, rules: Rules, period: Period, as_of: date) -> Eligibility:
    """One person's eligibility."""
    return eligibility_for([person.id], rules, period, as_of)[person.id]


# --- who may see whose record --------------------------------------------------------------------


def may_view_record(viewer: User, person: User) -> bool:
    """The person themselves, HR and admin, and the person's manager (lms.access: their people)."""
    if viewer.id == person.id or viewer.has_role(*STAFF_ADMIN_ROLES):
        return True
    return answers_for(viewer, person, Relation.MANAGER)
