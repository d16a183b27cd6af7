"""Grading, as a pure calculator: exact decimals in, a `Grade` out. No database, no Flask.

Each question type grades its own answers (`lms.question_types`); the rules (issue 6, 4):
- single choice and true/false: full points for the right option, else 0;
- multiple choice: all-or-nothing by default (exactly the right set); with
  `partial_credit` the chosen options' weights add up (clamped to 0–100 %);
- short answer: compared after `normalise` (width, case, spaces, script), as
  the bank's own check does, `*` standing for any characters; numeric:
  |answer − value| ≤ tolerance;
- weighted short/numeric answers below 100 % count only with `partial_credit`;
- appeal adjustments: a voided question leaves both sides of the sum, an
  accepted answer earns full points.
Score = awarded / possible × 100, rounded half-up to 0.01 for display; pass
is decided on the exact fraction (awarded × 100 ≥ pass mark × possible), so
79.995 never rounds into a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from lms import question_types
from lms.question_types.values import HUNDRED, ONE, ZERO
from lms.question_types.values import parse_number as parse_number  # re-exported: exams parse typed numbers

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Item:
    """One question of a paper with everything needed to grade it."""

    ref: int
    type: str
    points: Decimal
    chapter: str
    clause: str
    response: dict | None
    choices: dict = field(default_factory=dict)  # key -> (correct, weight %)
    answer: dict = field(default_factory=dict)  # Question.answer spec
    void: bool = False
    also_accepted: tuple = ()  # responses accepted by appeal decisions


@dataclass(frozen=True)
class ItemGrade:
    ref: int
    awarded: Decimal
    fraction: Decimal
    chosen: str  # option keys chosen ("" for text answers)
    void: bool


@dataclass(frozen=True)
class Grade:
    score: Decimal
    awarded: Decimal
    possible: Decimal
    passed: bool
    breakdown: dict  # chapter -> {"awarded": str, "possible": str}
    items: tuple[ItemGrade, ...]

    def missed_clauses(self, clauses: dict) -> list[str]:
        """Clauses (ref -> clause given) of the questions not fully right, void ones excluded."""
        return sorted({clauses[item.ref] for item in self.items if not item.void and item.fraction < ONE})


def _chosen(response: dict | None) -> list[str]:
    return [str(key) for key in (response or {}).get("choices", [])]


def fraction_for(item: Item, partial_credit: bool) -> Decimal:
    """The share (0–1) of the points `item`'s response earns; the item's type grades it."""
    if item.response is None:
        return ZERO
    kind = question_types.find(item.type)
    if kind is None:
        return ZERO
    if any(kind.same_response(item.response, accepted) for accepted in item.also_accepted):
        return ONE
    return kind.fraction(item.response, item.choices, item.answer, partial_credit)


def grade(items: list[Item], pass_mark: Decimal, partial_credit: bool = False) -> Grade:
    """Grade a paper: per-item points, the score out of 100, pass, and the chapter breakdown."""
    graded, breakdown = [], {}
    awarded_total = possible_total = ZERO
    for item in items:
        fraction = ZERO if item.void else fraction_for(item, partial_credit)
        awarded = item.points * fraction
        graded.append(ItemGrade(item.ref, awarded, fraction, "".join(sorted(_chosen(item.response))), item.void))
        if item.void:
            continue
        awarded_total += awarded
        possible_total += item.points
        chapter = breakdown.setdefault(item.chapter, [ZERO, ZERO])
        chapter[0] += awarded
        chapter[1] += item.points
    if possible_total:
        exact = awarded_total * HUNDRED / possible_total
        passed = awarded_total * HUNDRED >= pass_mark * possible_total
    else:
        exact, passed = HUNDRED, True
    return Grade(
        score=exact.quantize(CENT, rounding=ROUND_HALF_UP),
        awarded=awarded_total,
        possible=possible_total,
        passed=passed,
        breakdown={
            chapter: {"awarded": _s(a), "possible": _s(p)}
            for chapter, (a, p) in sorted(breakdown.items(), key=lambda kv: _chapter_key(kv[0]))
        },
        items=tuple(graded),
    )


def _s(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _chapter_key(chapter: str):
    return (0, int(chapter)) if chapter.isdigit() else (1, chapter)
