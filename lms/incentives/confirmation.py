"""HR confirms a period's eligibility list; a confirmed decision is explained again exactly as made (issue 14, 7).

The confirmation is itself a fact: one `eligibility_confirmed` entry per
person on the list (everyone who meets at least one rule), pointing at the
`eligibility_confirmation` row. Each stores the sha256 of the rule file and,
for every rule, whether it was met and the seq and hash of every fact the rule
looked at. The rule file's text is kept under its hash (`incentive_rule_text`).
So `reexplain` needs nothing that can change: it parses the kept text, reads
the listed entries (the ledger is append-only; their hashes are checked), and
evaluates each rule over exactly those facts. The rules file may since have
changed, grades may have been corrected: the old decision reads as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from lms import clock
from lms.domain import DomainError
from lms.extensions import db
from lms.incentives.eligibility import Eligibility, RuleResult, TypeResult, _fact, eligibility_for
from lms.incentives.loader import Rules, parse_rules
from lms.incentives.periods import Period, parse_period
from lms.incentives.report import population
from lms.models import (
    EligibilityConfirmation,
    EligibilityConfirmationPerson,
    FactKind,
    IncentiveRuleText,
    RecordEntry,
    User,
)
from lms.record.service import append_fact

SOURCE_TABLE = "eligibility_confirmation"


class ConfirmationError(DomainError):
    """A period's list that cannot be confirmed as asked."""


def store_rule_text(rules: Rules) -> IncentiveRuleText:
    """Keep the rules file's text under its hash (once per version)."""
    row = db.session.get(IncentiveRuleText, rules.hash)
    if row is None:
        row = IncentiveRuleText(hash=rules.hash, text=rules.text, stored_at=clock.now())
        db.session.add(row)
    return row


def confirm_period(period: Period, rules: Rules, by: User, as_of: date | None = None) -> EligibilityConfirmation:
    """Confirm who is eligible for `period` under `rules`, as the record stands at the end of `as_of` (today).

    The period must have ended. Appends one fact per eligible person, recorded
    by `by`, as the transaction's last writes; flushes, never commits. Raises
    ConfirmationError when the period has not ended or nobody qualifies.
    """
    today = clock.today()
    as_of = as_of or today
    if period.end >= today:
        raise ConfirmationError(
            f"{period.label}尚未结束（截至 {period.end.isoformat()}），结束后才能确认资格名单", "period"
        )
    if as_of > today:
        raise ConfirmationError("资格只能按今天或以前的档案确认", "as_of")
    confirmed_at = clock.now()
    ids = list(db.session.scalars(population()))
    results = eligibility_for(ids, rules, period, as_of, cutoff(as_of, confirmed_at))
    eligible = sorted((result for result in results.values() if result.qualifies), key=lambda r: r.person_id)
    if not eligible:
        raise ConfirmationError(f"{period.label}没有符合任何激励规则的人员，无需确认")
    store_rule_text(rules)
    confirmation = EligibilityConfirmation(
        period=period.name,
        as_of=as_of,
        rules_hash=rules.hash,
        confirmed_by_id=by.id,
        confirmed_at=confirmed_at,
        people_count=len(eligible),
    )
    db.session.add(confirmation)
    db.session.flush()
    db.session.add_all(
        EligibilityConfirmationPerson(confirmation_id=confirmation.id, person_id=result.person_id)
        for result in eligible
    )
    db.session.flush()
    for result in eligible:
        append_fact(
            FactKind.ELIGIBILITY_CONFIRMED,
            subject_id=result.person_id,
            occurred_at=confirmation.confirmed_at,
            source=f"{SOURCE_TABLE}:{confirmation.id}",
            payload=decision_payload(result, confirmation),
            recorded_by_id=by.id,
        )
    return confirmation


def cutoff(as_of: date, confirmed_at: datetime) -> datetime:
    """What a confirmation reads: facts recorded by the end of `as_of` and no later than the confirmation itself.

    Both bounds are stored (`as_of`, `confirmed_at`), and the ledger only
    grows, so the same facts can be read again at any later time: what
    `lms record rebuild --check` does (lms/incentives/facts.py).
    """
    return min(clock.end_of_day(as_of), confirmed_at + timedelta(microseconds=1))


def decision_payload(result: Eligibility, confirmation: EligibilityConfirmation) -> dict:
    """What one person's confirmation fact stores: enough to explain the decision again without the rules in force."""
    return {
        "period": result.period.name,
        "as_of": result.as_of.isoformat(),
        "confirmation_id": confirmation.id,
        "rules_hash": result.rules_hash,
        "rules": [
            {
                "rule": rule_result.rule.key,
                "met": rule_result.met,
                "facts": [{"seq": fact.seq, "hash": fact.hash} for fact in rule_result.outcome.considered],
            }
            for rule_result in result.results
        ],
        "confirmed_by": confirmation.confirmed_by_id,
    }


@dataclass(frozen=True)
class Reexplained:
    """A confirmed decision told again: the eligibility as evaluated then, and whether it still adds up.

    `problems` lists anything that no longer holds (a missing rule text, a
    fact whose hash differs from the one stored, an answer that differs from
    the stored one): empty for an intact decision.
    """

    eligibility: Eligibility | None
    rules: Rules | None
    problems: tuple[str, ...]
    payload: dict
    confirmed_by_name: str = "—"

    @property
    def intact(self) -> bool:
        return not self.problems


def reexplain(entry: RecordEntry) -> Reexplained:
    """Explain an `eligibility_confirmed` fact again from what it stored (see the module docstring)."""
    payload = entry.payload_data
    row = db.session.get(IncentiveRuleText, payload.get("rules_hash", ""))
    if row is None:
        return Reexplained(
            None, None, ("找不到确认时所用的规则文本（哈希 " + payload.get("rules_hash", "?") + "）",), payload
        )
    rules = parse_rules(row.text, f"incentives.yaml@{row.hash[:12]}")
    stored = {item["rule"]: item for item in payload.get("rules", [])}
    seqs = sorted({fact["seq"] for item in stored.values() for fact in item["facts"]})
    rows = (
        {
            row.seq: row
            for row in db.session.execute(
                select(
                    RecordEntry.seq,
                    RecordEntry.hash,
                    RecordEntry.kind,
                    RecordEntry.subject_id,
                    RecordEntry.occurred_at,
                    RecordEntry.source,
                    RecordEntry.payload,
                ).where(RecordEntry.seq.in_(seqs))
            )
        }
        if seqs
        else {}
    )
    problems = []
    period = parse_period(payload["period"])
    types = []
    for kind in rules.types:
        results = []
        for rule in kind.rules:
            item = stored.get(rule.key)
            if item is None:
                problems.append(f"确认记录中缺少规则 {rule.key}")
                continue
            facts = []
            for listed in item["facts"]:
                found = rows.get(listed["seq"])
                if found is None or found.hash != listed["hash"]:
                    problems.append(f"规则 {rule.key} 所用的档案记录 #{listed['seq']} 已不存在或哈希不符")
                    continue
                facts.append(_fact(found))
            outcome = rule.predicate.evaluate(facts, period)
            if outcome.met != item["met"]:
                problems.append(f"规则 {rule.key} 重新判断的结果与确认时不同")
            results.append(RuleResult(rule, outcome))
        types.append(TypeResult(kind, tuple(results)))
    eligibility = Eligibility(entry.subject_id, period, date.fromisoformat(payload["as_of"]), rules.hash, tuple(types))
    confirmer = db.session.get(User, payload["confirmed_by"]) if isinstance(payload.get("confirmed_by"), int) else None
    return Reexplained(eligibility, rules, tuple(problems), payload, confirmer.name if confirmer else "—")


def confirmations(period: Period | None = None):
    """Confirmations, newest first, of one period or all."""
    stmt = select(EligibilityConfirmation).order_by(
        EligibilityConfirmation.confirmed_at.desc(), EligibilityConfirmation.id.desc()
    )
    if period is not None:
        stmt = stmt.where(EligibilityConfirmation.period == period.name)
    return stmt


def confirmation_facts(confirmation: EligibilityConfirmation):
    """The confirmation's facts (one per person on its list), in person order; the page paginates."""
    return (
        select(RecordEntry)
        .where(
            RecordEntry.kind == FactKind.ELIGIBILITY_CONFIRMED.value,
            RecordEntry.source == f"{SOURCE_TABLE}:{confirmation.id}",
        )
        .order_by(RecordEntry.subject_id)
    )
