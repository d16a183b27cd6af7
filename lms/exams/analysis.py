"""Item analysis per question: facility, discrimination, option frequencies and flags.

- facility index: mean share of the points earned (0–1) over finished attempts;
- discrimination index: facility in the upper 27 % minus the lower 27 % of
  attempts ranked by score (Kelley's groups);
- option frequencies: how often each option was chosen (choice questions);
- flags: too easy (facility > 0.90), too hard (< 0.30), negative discrimination.

`analyse` is the plain definition (rows in, stats out). `tally` computes the
same numbers, bit for bit, in one pass over attempts already ranked by score
(the page's former path, kept with `analyse` as a reference for the tests).
`item_analysis` (what the page uses) reads the same numbers from the tallies
kept as results are written (`tallies`: no result's items are decoded except
part of two boundary buckets), and caches the analysis per process, keyed by
the exam's result count and newest result id: after a new result the page
recomputes from the tallies, otherwise it is a template render.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, bindparam, case, func, select

from lms import question_types
from lms.exams import tallies
from lms.extensions import db
from lms.models import AttemptResult, Exam, Question, QuestionChoice

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
    stats = {
        qid: ItemStats(qid, answered=counts[qid], facility=sums[qid] / counts[qid], options=dict(options[qid]))
        for qid in counts
    }
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


def tally(ranked: list[tuple[float, list]]) -> dict[int, ItemStats]:
    """`analyse` for attempts already sorted by score (ties in attempt order), in a single pass.

    Each sum adds the same values in the same order as `analyse`, so the
    floats come out identical; only the bookkeeping is cheaper.
    """
    total = len(ranked)
    size = max(1, round(total * GROUP_SHARE)) if ranked else 0
    upper_from = total - size
    floats: dict = {}
    table: dict[int, list] = {}  # qid -> [sum, count, upper sum, upper count, lower sum, lower count, options]
    for index, (_, items) in enumerate(ranked):
        in_lower, in_upper = index < size, index >= upper_from
        for qid, _, fraction, chosen, void in items:
            if void:
                continue
            value = floats.get(fraction)
            if value is None:
                value = floats[fraction] = float(fraction)
            row = table.get(qid)
            if row is None:
                row = table[qid] = [0.0, 0, 0.0, 0, 0.0, 0, {}]
            row[0] += value
            row[1] += 1
            if in_upper:
                row[2] += value
                row[3] += 1
            if in_lower:
                row[4] += value
                row[5] += 1
            options = row[6]
            for key in (chosen,) if chosen in ("true", "false") else chosen:
                options[key] = options.get(key, 0) + 1
    stats = {}
    for qid, (sums, count, upper_sum, upper_count, lower_sum, lower_count, options) in table.items():
        item = stats[qid] = ItemStats(qid, answered=count, facility=sums / count, options=dict(options))
        if upper_count:
            item.discrimination += upper_sum / upper_count
        if lower_count:
            item.discrimination += -1 * lower_sum / lower_count
    return stats


def _current_results_ranked(exam: Exam) -> list[tuple[float, list]]:
    """(score, items) of each attempt's latest result, lowest score first, ties by attempt id."""
    latest = (
        select(AttemptResult.attempt_id, func.max(AttemptResult.sequence).label("sequence"))
        .where(AttemptResult.exam_id == exam.id)
        .group_by(AttemptResult.attempt_id)
        .subquery()
    )
    rows = db.session.execute(
        select(AttemptResult.score, AttemptResult.items)
        .join(
            latest, and_(AttemptResult.attempt_id == latest.c.attempt_id, AttemptResult.sequence == latest.c.sequence)
        )
        .order_by(AttemptResult.score, AttemptResult.attempt_id)
    )
    return [(float(score), items) for score, items in rows]


def item_analysis(exam: Exam) -> list[ItemStats]:
    """Stats for every question of `exam`, in clause order, from the tallies of its current results."""
    watermark = tuple(db.session.execute(_WATERMARK, {"exam_id": exam.id}).one())
    cached = _cache.get(exam.id)
    if cached and cached[0] == watermark:
        return cached[1]
    numbers = tallies.read(exam.id)
    ids = list(numbers) or [0]
    keys: dict[int, list[str]] = defaultdict(list)
    correct: dict[int, list[str]] = defaultdict(list)
    for qid, key, is_correct in db.session.execute(_CHOICES, {"ids": ids}).all():
        keys[qid].append(key)
        if is_correct:
            correct[qid].append(key)
    stats = []
    for qid, key, clause, qtype, stem, answer in db.session.execute(_QUESTIONS, {"ids": ids}).all():
        answered, facility, discrimination, counts = numbers[qid]
        right, options = question_types.get(qtype).analysis_keys(keys.get(qid, ()), correct.get(qid, ()), answer)
        stats.append(
            ItemStats(
                qid,
                key,
                clause,
                qtype,
                stem,
                answered,
                facility,
                discrimination,
                {option: counts.get(option, 0) for option in options} if options else dict(counts),
                right,
            )
        )
    stats.sort(key=lambda s: ([int(p) if p.isdigit() else 0 for p in s.clause.split(".")], s.key))
    _cache[exam.id] = (watermark, stats)
    return stats


# Prebuilt, over the tables' columns: plain rows, no ORM loading for the page's 175 questions and their choices.
_results, _questions, _choices = (model.__table__.c for model in (AttemptResult, Question, QuestionChoice))
_WATERMARK = select(func.count(_results.id), func.max(_results.id)).where(_results.exam_id == bindparam("exam_id"))
# Only the types whose right key is in `answer` (true/false) need it decoded; the others' are not read.
_QUESTIONS = select(
    _questions.id,
    _questions.key,
    _questions.clause,
    _questions.type,
    _questions.stem,
    case((_questions.type.in_(question_types.keys_where(lambda kind: kind.analysis_reads_answer)), _questions.answer)),
).where(_questions.id.in_(bindparam("ids", expanding=True)))
_CHOICES = (
    select(_choices.question_id, _choices.key, _choices.correct)
    .where(_choices.question_id.in_(bindparam("ids", expanding=True)))
    .order_by(_choices.question_id, _choices.position)
)


def as_decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))
