"""`lms record rebuild --check` for eligibility confirmations: each confirmed decision recomputed from its tables.

A confirmation row (period, as-of day, time, rules hash), its kept rule text
and its person rows give back, for each person on the list, exactly the fact
`confirm_period` appended: the same rules, evaluated over the facts the ledger
held at the confirmation's cutoff (the ledger only grows, so those are still
there to read).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import select

from lms.extensions import db
from lms.incentives.confirmation import SOURCE_TABLE, cutoff, decision_payload
from lms.incentives.eligibility import eligibility_for
from lms.incentives.loader import parse_rules
from lms.incentives.periods import parse_period
from lms.models import EligibilityConfirmation, EligibilityConfirmationPerson, FactKind

FACT_KINDS = (FactKind.ELIGIBILITY_CONFIRMED,)


def expected_facts() -> Iterator[dict]:
    """The `eligibility_confirmed` fact each person on each confirmed list should have as current."""
    people = defaultdict(list)
    for row in db.session.execute(
        select(EligibilityConfirmationPerson.confirmation_id, EligibilityConfirmationPerson.person_id)
    ):
        people[row.confirmation_id].append(row.person_id)
    for confirmation in db.session.scalars(select(EligibilityConfirmation).order_by(EligibilityConfirmation.id)):
        rules = parse_rules(confirmation.rule_text.text, f"incentives.yaml@{confirmation.rules_hash[:12]}")
        ids = sorted(people[confirmation.id])
        period = parse_period(confirmation.period)
        results = eligibility_for(
            ids, rules, period, confirmation.as_of, cutoff(confirmation.as_of, confirmation.confirmed_at)
        )
        for person_id in ids:
            yield {
                "kind": FactKind.ELIGIBILITY_CONFIRMED.value,
                "subject_id": person_id,
                "source": f"{SOURCE_TABLE}:{confirmation.id}",
                "occurred_at": confirmation.confirmed_at,
                "payload": decision_payload(results[person_id], confirmation),
            }
