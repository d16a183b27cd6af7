"""Drawing a paper: which questions, in which order, with which option order (pure).

The caller passes the candidates (the bank's active questions) and a random
generator; the result is fixed on the server as the attempt's rows, so a
reload or another device shows the same paper.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from lms.exams.definitions import Candidate, Draw


class PaperError(Exception):
    """The bank cannot fill a draw (the check should have caught it)."""


@dataclass(frozen=True)
class Slot:
    """One question of a paper: its reference, points on this paper and the options as shown."""

    ref: int
    points: Decimal
    option_order: tuple[str, ...]


def draw_paper(
    draws: list[Draw] | tuple[Draw, ...],
    candidates: list[Candidate],
    choice_keys: dict,
    rng: random.Random,
    shuffle_questions: bool = True,
    shuffle_options: bool = True,
) -> list[Slot]:
    """Fill every draw in order without reusing a question; shuffle as the exam says.

    `choice_keys` maps a candidate ref to its option keys in bank order
    (empty for non-choice questions). Raises PaperError if a draw cannot be filled.
    """
    used: set = set()
    slots: list[Slot] = []
    for draw in draws:
        pool = [candidate.ref for candidate in candidates if candidate.ref not in used and draw.matches(candidate)]
        if len(pool) < draw.count:
            raise PaperError(f"抽题规则（{draw.label()}）需要 {draw.count} 题，题库只有 {len(pool)} 题可用")
        for ref in rng.sample(pool, draw.count) if shuffle_questions else pool[: draw.count]:
            used.add(ref)
            keys = list(choice_keys.get(ref, ()))
            if shuffle_options:
                rng.shuffle(keys)
            slots.append(Slot(ref, draw.points, tuple(keys)))
    if shuffle_questions:
        rng.shuffle(slots)
    return slots
