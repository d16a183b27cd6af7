"""Item analysis per question: facility, discrimination, option frequencies and flags.

- facility index: mean share of the points earned (0–1) over finished attempts;
- discrimination index: facility in the upper 27 % minus the lower 27 % of
  attempts ranked by score (Kelley's groups);
- option frequencies: how often each option was chosen (choice questions);
- flags: too easy (facility > 0.90), too hard (< 0.30), negative discrimination.

`analyse` is pure (rows in, stats out). `item_analysis` reads one row per
attempt (its current result's `items`) and caches the analysis per process,
keyed by the exam's result count and newest result id, so a page view after
the first is a template render.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AttemptResult, Exam, Question

TOO_EASY = 0.90
TOO_HARD = 0.30
GROUP_SHARE = 0.27
_cache: dict[int, tuple[tuple, list]] = {}


@dataclass
class ItemStats:
    question_id: int
    key: str = ""
    clause: str = ""
    type: str = ""
    stem: str = ""
    answered: int = 0
    facility: float = 0.0
    discrimination: float = 0.0
    options: dict = field(default_factory=dict)  # key -> count
    correct: tuple = ()

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.facility > TOO_EASY:
            flags.append("过易")
        if self.facility < TOO_HARD:
            flags.append("过难")
        if self.discrimination < 0:
            flags.append("区分度为负")
        return flags


def analyse(attempts: list[tuple[float, list]]) -> dict[int, ItemStats]:
    """attempts: (score, items rows [question id, awarded, fraction, chosen, void]) -> stats by question."""
    ranked = sorted(attempts, key=lambda pair: pair[0])
    size = max(1, round(len(ranked) * GROUP_SHARE)) if ranked else 0
    lower, upper = ranked[:size], ranked[-size:] if size else []
    sums: dict[int, float] = defaultdict(float)
    counts: Counter = Counter()
    options: dict[int, Counter] = defaultdict(Counter)
    for _, items in ranked:
        for qid, _, fraction, chosen, void in items:
            if void:
                continue
            sums[qid] += float(fraction)
            counts[qid] += 1
            for key in [chosen] if chosen in ("true", "false") else chosen:
                options[qid][key] += 1
    stats = {qid: ItemStats(qid, answered=counts[qid], facility=sums[qid] / counts[qid], options=dict(options[qid]))
             for qid in counts}
    for group, sign in ((upper, 1), (lower, -1)):
        group_sums: dict[int, float] = defaultdict(float)
        group_counts: Counter = Counter()
        for _, items in group:
            for qid, _, fraction, _, void in items:
                if not void:
                    group_sums[qid] += float(fraction)
                    group_counts[qid] += 1
        for qid, total in group_sums.items():
            stats[qid].discrimination += sign * total / group_counts[qid]
    return stats


def item_analysis(exam: Exam) -> list[ItemStats]:
    """Stats for every question of `exam`, in clause order, from each attempt's current result."""
    watermark = tuple(db.session.execute(select(func.count(AttemptResult.id), func.max(AttemptResult.id))
                                         .where(AttemptResult.exam_id == exam.id)).one())
    cached = _cache.get(exam.id)
    if cached and cached[0] == watermark:
        return cached[1]
    latest: dict[int, tuple] = {}
    for attempt_id, score, items in db.session.execute(
            select(AttemptResult.attempt_id, AttemptResult.score, AttemptResult.items)
            .where(AttemptResult.exam_id == exam.id).order_by(AttemptResult.attempt_id, AttemptResult.sequence)):
        latest[attempt_id] = (float(score), items)
    stats = analyse(list(latest.values()))
    for question in db.session.scalars(select(Question).where(Question.id.in_(list(stats) or [0]))):
        item = stats[question.id]
        item.key, item.clause, item.type, item.stem = question.key, question.clause, question.type, question.stem
        item.correct = tuple(c.key for c in question.choices if c.correct)
        if question.type == "true_false":
            item.correct = ("true" if (question.answer or {}).get("truth") else "false",)
            item.options = {key: item.options.get(key, 0) for key in ("true", "false")}
        elif question.choices:
            item.options = {c.key: item.options.get(c.key, 0) for c in question.choices}
    ordered = sorted(stats.values(), key=lambda s: ([int(p) if p.isdigit() else 0 for p in s.clause.split(".")], s.key))
    _cache[exam.id] = (watermark, ordered)
    return ordered


def as_decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))
