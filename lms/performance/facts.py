"""The facts this package's tables should have in the ledger now, for `lms record rebuild --check`.

`expected_facts()` yields, per the facts contract, the current fact of every
grade (`performance_grade`), award (`award`) and adopted suggestion
(`suggestion_adopted`), built by the same payload functions the writers use.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from lms.extensions import db
from lms.models import Award, FactKind, PerformanceGrade, Suggestion, SuggestionStatus
from lms.performance.awards import award_occurred_at, award_payload
from lms.performance.grades import grade_payload, grade_source
from lms.suggestions.service import adopted_payload

BATCH = 2000
# The kinds this provider answers for (lms.record.rebuild), also while their tables are empty.
FACT_KINDS = (FactKind.PERFORMANCE_GRADE, FactKind.AWARD, FactKind.SUGGESTION_ADOPTED)


def expected_facts() -> Iterator[dict]:
    """Dicts {"kind", "subject_id", "source", "occurred_at", "payload"}, one per source object that has a fact."""
    for grade in _each(select(PerformanceGrade).order_by(PerformanceGrade.id)):
        yield _fact(
            FactKind.PERFORMANCE_GRADE, grade.user_id, grade_source(grade), grade.changed_at, grade_payload(grade)
        )
    for award in _each(select(Award).order_by(Award.id)):
        yield _fact(FactKind.AWARD, award.user_id, f"award:{award.id}", award_occurred_at(award), award_payload(award))
    adopted = select(Suggestion).where(Suggestion.status == SuggestionStatus.ADOPTED.value).order_by(Suggestion.id)
    for suggestion in _each(adopted):
        yield _fact(
            FactKind.SUGGESTION_ADOPTED,
            suggestion.author_id,
            f"suggestion:{suggestion.id}",
            suggestion.decided_at,
            adopted_payload(suggestion),
        )


def _fact(kind: FactKind, subject_id: int, source: str, occurred_at, payload: dict) -> dict:
    return {
        "kind": kind.value,
        "subject_id": subject_id,
        "source": source,
        "occurred_at": occurred_at,
        "payload": payload,
    }


def _each(stmt):
    """The rows of `stmt` in batches, so a large table is not held at once."""
    return db.session.scalars(stmt.execution_options(yield_per=BATCH))
