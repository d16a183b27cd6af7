"""Item-analysis tallies: running totals of each exam's current results, kept as results are written.

Every grading fact adds its contribution (one attempt in its cell; per
non-void question one answer and its credit; the options chosen). A regrade
subtracts the superseded result's contribution and adds the new one, in the
caller's transaction, so the totals always describe the current results.

`read` turns them into the numbers of `analysis.analyse`. Attempts are
ranked by (score, attempt id); the lower and upper 27 % are then whole-score
buckets (totals per question and bucket), plus, inside the one bucket where
the group ends, whole cells (totals per exact score in cents, block of
`BLOCK` attempt ids and question), plus part of one cell: only that part is
read from the results themselves, from whichever end of the cell is shorter.

Credit is an integer number of 10⁻⁹ shares, so sums and the subtractions of
regrades are exact on SQLite and PostgreSQL alike. Rows are written in one
fixed order (tables, then keys sorted), so two transactions adding to the
same rows on PostgreSQL wait for each other instead of deadlocking.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import bindparam, delete, exists, func, select, tuple_

from lms.extensions import db
from lms.models import AttemptResult, ExamItemCell, ExamItemTally, ExamOptionTally, ExamScoreCell

SCALE = 10**9
BLOCK = 1024  # attempt ids per cell: a boundary cell holds a few dozen results of 10,000
GROUP_SHARE = 0.27
_nanos: dict[str, int] = {}


def nanos(fraction) -> int:
    """A share of the points ("0.5", "1", Decimal …) as an integer number of 10⁻⁹ shares."""
    key = str(fraction)
    value = _nanos.get(key)
    if value is None:
        if len(_nanos) > 10000:
            _nanos.clear()
        value = _nanos[key] = int((Decimal(key) * SCALE).to_integral_value(ROUND_HALF_EVEN))
    return value


def cents_of(score) -> int:
    """A score out of 100 in hundredths (79.99 -> 7999); its whole-score bucket is that // 100."""
    return int(Decimal(str(score)) * 100)


def option_keys(chosen: str) -> tuple[str, ...]:
    """The option keys counted for a `chosen` string, exactly as `analysis.analyse` counts them."""
    return (chosen,) if chosen in ("true", "false") else tuple(chosen)


class Delta:
    """Net changes to an exam's tallies, accumulated before they are written."""

    def __init__(self):
        self.items: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        self.cells: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0])
        self.options: dict[tuple[int, str], int] = defaultdict(int)
        self.counts: dict[tuple[int, int], int] = defaultdict(int)

    def add(self, score, attempt_id: int, items: list, sign: int = 1) -> None:
        """Count (sign 1) or uncount (sign -1) one result: its score, attempt and items."""
        cents = cents_of(score)
        bucket, block = cents // 100, attempt_id // BLOCK
        self.counts[(cents, block)] += sign
        for qid, _, fraction, chosen, void in items:
            if void:
                continue
            credit = sign * nanos(fraction)
            row = self.items[(qid, bucket)]
            row[0] += sign
            row[1] += credit
            cell = self.cells[(cents, block, qid)]
            cell[0] += sign
            cell[1] += credit
            for key in option_keys(chosen):
                self.options[(qid, key)] += sign


def record(result: AttemptResult, previous: AttemptResult | None = None) -> None:
    """Add a new result's contribution to its exam's tallies, minus that of the result it supersedes."""
    delta = Delta()
    if previous is not None:
        delta.add(previous.score, previous.attempt_id, previous.items, -1)
    delta.add(result.score, result.attempt_id, result.items)
    write(result.exam_id, delta)


def record_many(exam_id: int, pairs) -> None:
    """record() for many (new result, superseded result or None) pairs of one exam, in one write."""
    delta = Delta()
    for result, previous in pairs:
        if previous is not None:
            delta.add(previous.score, previous.attempt_id, previous.items, -1)
        delta.add(result.score, result.attempt_id, result.items)
    write(exam_id, delta)


_upserts: dict[str, tuple] = {}
_TABLES = (
    (ExamItemTally, ("exam_id", "question_id", "bucket"), ("answered", "credit")),
    (ExamItemCell, ("exam_id", "score", "block", "question_id"), ("answered", "credit")),
    (ExamOptionTally, ("exam_id", "question_id", "option"), ("chosen",)),
    (ExamScoreCell, ("exam_id", "score", "block"), ("attempts",)),
)


def _statements(dialect: str) -> tuple:
    """INSERT … ON CONFLICT DO UPDATE statements that add to the counts, one per table of `_TABLES`."""
    if dialect not in _upserts:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        built = []
        for model, keys, counts in _TABLES:
            table = model.__table__
            stmt = insert(table)
            built.append(
                stmt.on_conflict_do_update(
                    index_elements=list(keys), set_={name: table.c[name] + stmt.excluded[name] for name in counts}
                )
            )
        _upserts[dialect] = tuple(built)
    return _upserts[dialect]


def write(exam_id: int, delta: Delta) -> None:
    """Add `delta` to the exam's tally rows (creating missing rows), in a fixed order."""
    rows = (
        [
            {"exam_id": exam_id, "question_id": qid, "bucket": bucket, "answered": answered, "credit": credit}
            for (qid, bucket), (answered, credit) in sorted(delta.items.items())
            if answered or credit
        ],
        [
            {
                "exam_id": exam_id,
                "score": cents,
                "block": block,
                "question_id": qid,
                "answered": answered,
                "credit": credit,
            }
            for (cents, block, qid), (answered, credit) in sorted(delta.cells.items())
            if answered or credit
        ],
        [
            {"exam_id": exam_id, "question_id": qid, "option": key, "chosen": count}
            for (qid, key), count in sorted(delta.options.items())
            if count
        ],
        [
            {"exam_id": exam_id, "score": cents, "block": block, "attempts": count}
            for (cents, block), count in sorted(delta.counts.items())
            if count
        ],
    )
    for stmt, batch in zip(_statements(db.session.get_bind().dialect.name), rows):
        if batch:
            db.session.execute(stmt, batch)


_results = AttemptResult.__table__
_newer = _results.alias("newer")


def _current(exam_id) -> tuple:
    """A WHERE clause: results of the exam (an id or a bind parameter) that no later result supersedes."""
    return _results.c.exam_id == exam_id, ~exists().where(_newer.c.supersedes_id == _results.c.id)


def rebuild(exam_id: int) -> int:
    """Recount an exam's tallies from its current results (for existing data); returns how many results."""
    for model, _, _ in _TABLES:
        db.session.execute(delete(model).where(model.exam_id == exam_id))
    delta = Delta()
    count = 0
    for score, attempt_id, items in db.session.execute(
        select(_results.c.score, _results.c.attempt_id, _results.c["items"]).where(*_current(exam_id))
    ):
        delta.add(score, attempt_id, items)
        count += 1
    write(exam_id, delta)
    return count


# --- reading -----------------------------------------------------------------------------------

# Prebuilt, over the tables' columns rather than the mapped classes: the page reads a few
# thousand tally rows per view, and plain Core rows skip the ORM's per-row loading.
_score_cell, _tally, _cell, _option = (
    model.__table__.c for model in (ExamScoreCell, ExamItemTally, ExamItemCell, ExamOptionTally)
)
_CELLS = (
    select(_score_cell.score, _score_cell.block, _score_cell.attempts)
    .where(_score_cell.exam_id == bindparam("exam_id"), _score_cell.attempts > 0)
    .order_by(_score_cell.score, _score_cell.block)
)
_in_lower = _tally.bucket < bindparam("lower_below")
_in_upper = _tally.bucket > bindparam("upper_above")
# FILTER rather than SUM(CASE …): SQLite skips the rows outside a group instead of adding zeros
# (about a sixth less time for the page's largest query); a group with no such row sums to NULL.
_SUMS = (
    select(
        _tally.question_id,
        func.sum(_tally.answered),
        func.sum(_tally.credit),
        func.sum(_tally.answered).filter(_in_lower),
        func.sum(_tally.credit).filter(_in_lower),
        func.sum(_tally.answered).filter(_in_upper),
        func.sum(_tally.credit).filter(_in_upper),
    )
    .where(_tally.exam_id == bindparam("exam_id"))
    .group_by(_tally.question_id)
)
# Cell totals over a half-open range of (score in cents, block): cells are ranked in that order.
_cell_key = tuple_(_cell.score, _cell.block)
_CELL_SUMS = (
    select(_cell.question_id, func.sum(_cell.answered), func.sum(_cell.credit))
    .where(
        _cell.exam_id == bindparam("exam_id"),
        _cell_key >= tuple_(bindparam("from_score"), bindparam("from_block")),
        _cell_key < tuple_(bindparam("to_score"), bindparam("to_block")),
    )
    .group_by(_cell.question_id)
)
_OPTIONS = (
    select(_option.question_id, _option.option, _option.chosen)
    .where(_option.exam_id == bindparam("exam_id"), _option.chosen > 0)
    .order_by(_option.question_id, _option.option)
)
_in_cell = (
    *_current(bindparam("exam_id")),
    _results.c.score == bindparam("exact"),
    _results.c.attempt_id >= bindparam("first_id"),
    _results.c.attempt_id < bindparam("end_id"),
)
_CELL_FIRST = select(_results.c["items"]).where(*_in_cell).order_by(_results.c.attempt_id).limit(bindparam("take"))
_CELL_LAST = (
    select(_results.c["items"]).where(*_in_cell).order_by(_results.c.attempt_id.desc()).limit(bindparam("take"))
)


def _boundary(cells, size: int) -> tuple[int, int, int, int]:
    """(score, block, attempts taken, attempts in it) of the cell where a group of `size` ends."""
    before = 0
    for score, block, count in cells:
        if before + count >= size:
            return score, block, size - before, count
        before += count
    raise ValueError("group larger than the exam's results")


def _add(table: dict, rows, at: int) -> None:
    for qid, answered, credit in rows:
        if qid in table:
            table[qid][at] += int(answered)
            table[qid][at + 1] += int(credit)


def _cell_sums(exam_id: int, start: tuple[int, int], end: tuple[int, int]) -> list:
    """(question, answered, credit) totals of the cells from `start` up to, not including, `end`."""
    return db.session.execute(
        _CELL_SUMS,
        {"exam_id": exam_id, "from_score": start[0], "from_block": start[1], "to_score": end[0], "to_block": end[1]},
    ).all()


def _group(exam_id: int, cell: tuple[int, int, int, int], lowest: bool) -> list[tuple[int, int, int]]:
    """(question, answered, credit) rows for the part of a group inside its boundary bucket.

    Whole cells come from the cell totals; of the boundary cell, the `take`
    lowest (or highest) ranked results are read, or, when shorter, the rest,
    subtracted from the cell's totals.
    """
    score, block, take, count = cell
    whole = take == count
    start = score // 100 * 100  # of the bucket; blocks are never negative, so (start, 0) is its first cell
    if lowest:  # from the bucket's first cell up to this one (included when wholly in the group)
        rows = _cell_sums(exam_id, (start, 0), (score, block + 1 if whole else block))
    else:  # from this cell (included when wholly in the group) up to the next bucket
        rows = _cell_sums(exam_id, (score, block if whole else block + 1), (start + 100, 0))
    if whole:
        return rows
    direct = take <= count - take
    params = {
        "exam_id": exam_id,
        "exact": Decimal(score) / 100,
        "first_id": block * BLOCK,
        "end_id": (block + 1) * BLOCK,
        "take": take if direct else count - take,
    }
    sign = 1 if direct else -1
    if not direct:
        rows += _cell_sums(exam_id, (score, block), (score, block + 1))
    answers: Counter = Counter()
    for (items,) in db.session.execute(_CELL_FIRST if lowest == direct else _CELL_LAST, params).all():
        answers.update((item[0], item[2]) for item in items if not item[4])  # (question, fraction), counted in C
    rows += [(qid, sign * times, sign * times * nanos(fraction)) for (qid, fraction), times in answers.items()]
    return rows


def read(exam_id: int) -> dict[int, tuple[int, float, float, dict]]:
    """question id -> (answered, facility, discrimination, option counts), as `analysis.analyse` defines them."""
    cells = db.session.execute(_CELLS, {"exam_id": exam_id}).all()
    total = sum(count for _, _, count in cells)
    if not total:
        return {}
    size = max(1, round(total * GROUP_SHARE))
    lower, upper = _boundary(cells, size), _boundary(reversed(cells), size)
    rows = db.session.execute(
        _SUMS, {"exam_id": exam_id, "lower_below": lower[0] // 100, "upper_above": upper[0] // 100}
    ).all()
    table = {
        qid: [int(a), int(c), int(la or 0), int(lc or 0), int(ua or 0), int(uc or 0)]
        for qid, a, c, la, lc, ua, uc in rows
        if a
    }
    _add(table, _group(exam_id, lower, lowest=True), 2)
    _add(table, _group(exam_id, upper, lowest=False), 4)
    options: dict[int, dict] = defaultdict(dict)
    for qid, key, chosen in db.session.execute(_OPTIONS, {"exam_id": exam_id}).all():
        options[qid][key] = chosen
    stats = {}
    for qid, (answered, credit, lower_count, lower_credit, upper_count, upper_credit) in table.items():
        discrimination = 0.0
        if upper_count:
            discrimination += upper_credit / (upper_count * SCALE)
        if lower_count:
            discrimination += -1 * lower_credit / (lower_count * SCALE)
        stats[qid] = (answered, credit / (answered * SCALE), discrimination, options.get(qid, {}))
    return stats
