"""The team skill matrix (issue 13, point 6): people × the five dimensions of guide 5.2.

For managers (their people), mentors (their mentees) and HR (everyone), as
`lms.access.followed_by` defines "the people someone answers for". A cell
shows the highest level the person currently holds in that dimension: their
awards (`SkillLevelAward`) without a revocation, whatever later happened to
the track file (a retired cell still counts, point 5).

Every function here costs a fixed number of queries whatever the number of
people (tests/tracks/test_team_queries.py counts them on both databases). A
matrix reads the people in scope and their current levels once (`TeamMatrix`)
and filters, counts and pages those rows; HR's coverage groups in SQL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import joinedload, lazyload

from lms.access import followed_by
from lms.extensions import db
from lms.models import User
from lms.models.tracks import SkillCell, SkillLevelAward, SkillLevelRevocation
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS
from lms.tracks.service import current_awards_query

# A level's place on the scale: 0 is "nothing yet", then 初级 1, 进阶 2, 高级 3 (the colour scale's steps).
LEVEL_RANKS = {level: rank for rank, level in enumerate(SKILL_LEVELS, start=1)}
NO_LEVEL = "none"
NO_LEVEL_LABEL = "未达成"
LEVEL_FILTERS = {NO_LEVEL: NO_LEVEL_LABEL, **SKILL_LEVELS}
NO_TEAM_LABEL = "未分组"
# The people a matrix lists: the reps, since the tracks are theirs (a mentor who also sells is one).
MATRIX_ROLE = "rep"


class UnknownFilter(ValueError):
    """A filter value that is not a team, dimension or level the matrix knows."""


@dataclass(frozen=True)
class MatrixFilter:
    """What the matrix shows: one team ("" for all), and people at one level ("" for any).

    With a `dimension`, `level` asks for the highest level in that dimension
    ("none": nothing achieved there yet); without one, for the highest level
    in at least one dimension.
    """

    team: str = ""
    dimension: str = ""
    level: str = ""

    def __post_init__(self) -> None:
        if self.dimension and self.dimension not in SKILL_DIMENSIONS:
            raise UnknownFilter(f"未知的技能维度：{self.dimension}")
        if self.level and self.level not in LEVEL_FILTERS:
            raise UnknownFilter(f"未知的等级：{self.level}")


@dataclass(frozen=True)
class MatrixCell:
    """One person's standing in one dimension: the highest level held (None: none yet) and since when."""

    dimension: str
    level: str | None = None
    achieved_on: date | None = None

    @property
    def rank(self) -> int:
        return LEVEL_RANKS.get(self.level, 0)

    @property
    def label(self) -> str:
        return SKILL_LEVELS[self.level] if self.level else NO_LEVEL_LABEL

    @property
    def evidence_anchor(self) -> str:
        """Where on the evidence page this cell leads: the level held, or 初级 (the one to work on) when none."""
        return f"cell-{self.dimension}-{self.level or next(iter(SKILL_LEVELS))}"


@dataclass(frozen=True)
class MatrixRow:
    """One person and their five cells, in the guide's order of dimensions."""

    person: User
    cells: tuple[MatrixCell, ...]


@dataclass(frozen=True)
class LevelCounts:
    """How many of the listed people stand at each level, per dimension (the counts under the matrix)."""

    total: int
    by_dimension: dict[str, dict[str, int]]  # dimension -> {"none"|level: people}

    def count(self, dimension: str, level: str) -> int:
        return self.by_dimension[dimension][level]


@dataclass
class TeamCoverage:
    """A team's coverage (for HR): per dimension, how many reached each level or above, and the share."""

    team: str | None
    headcount: int
    # dimension -> level -> people who hold that level or a higher one in the dimension
    reached: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.team or NO_TEAM_LABEL

    def share(self, dimension: str, level: str) -> Decimal:
        """The percentage (one decimal) of the team holding `level` or above in `dimension`."""
        if not self.headcount:
            return Decimal(0)
        percent = Decimal(100 * self.reached[dimension][level]) / self.headcount
        return percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- the matrix ---------------------------------------------------------------------------------


def _level_rank() -> ColumnElement[int]:
    return case(LEVEL_RANKS, value=SkillCell.level, else_=0)


def _scope(viewer: User) -> list[ColumnElement[bool]]:
    """The people `viewer` answers for who appear in a matrix: active reps (as _standings_of_everyone)."""
    return [User.active.is_(True), User.role_rows.any(role=MATRIX_ROLE), followed_by(viewer)]


class CellBits:
    """Each cell's bit in a person's set of current levels, and the ranks per dimension such a set stands for.

    `cells` are (id, dimension, level) of every cell, retired ones too (a level
    earned under a retired cell still counts).
    """

    def __init__(self, cells):
        self.bit = {cell_id: 1 << index for index, (cell_id, _, _) in enumerate(cells)}
        self._parts = [
            (1 << index, list(SKILL_DIMENSIONS).index(dimension), LEVEL_RANKS.get(level, 0))
            for index, (_, dimension, level) in enumerate(cells)
            if dimension in SKILL_DIMENSIONS
        ]
        self._ranks: dict[int, tuple[int, ...]] = {}
        self.standings = _standings_of_everyone(self)  # the standings select before the viewer's scope

    def ranks(self, held: int) -> tuple[int, ...]:
        """The highest rank per dimension (guide order; 0: none) of the set `held` (worked out once per set)."""
        known = self._ranks.get(held)
        if known is None:
            ranks = [0] * len(SKILL_DIMENSIONS)
            for bit, dimension, rank in self._parts:
                if held & bit and rank > ranks[dimension]:
                    ranks[dimension] = rank
            known = self._ranks[held] = tuple(ranks)
        return known


def _standings_statement(viewer: User, bits: CellBits) -> Select:
    """One row per person in scope: id, team, employee number and the set of cells they currently hold.

    The set is a sum of distinct cell bits (`CellBits`) over the person's awards
    without a revocation: one aggregate walking each person's awards by index,
    where a highest level per dimension took five (a third more time on SQLite).
    Ordered by team (people without one last), then employee number.
    """
    return bits.standings.where(followed_by(viewer))


def _standings_of_everyone(bits: CellBits) -> Select:
    """_standings_statement before the viewer's scope: the part that depends on the cells only."""
    held_bit = case(bits.bit, value=SkillLevelAward.cell_id, else_=0) if bits.bit else literal(0)
    current = case((SkillLevelRevocation.id.is_(None), held_bit), else_=0)
    return (
        select(User.id, User.team, User.employee_no, func.coalesce(func.sum(current.distinct()), 0).label("held"))
        .outerjoin(SkillLevelAward, SkillLevelAward.user_id == User.id)
        .outerjoin(SkillLevelRevocation, SkillLevelRevocation.award_id == SkillLevelAward.id)
        .where(User.active.is_(True), User.role_rows.any(role=MATRIX_ROLE))
        .group_by(User.id, User.team, User.employee_no)
        .order_by(User.team.is_(None), User.team, User.employee_no)
    )


# The cells as stored (id, dimension, level) -> their CellBits, with its statement and the ranks it
# has worked out: one entry, made again when a sync changes the cells. Building the statement
# was a twentieth of the matrix's time.
_bits_cache: dict[tuple, CellBits] = {}


def cell_bits(cells: tuple) -> CellBits:
    """The CellBits of `cells` (rows of id, dimension, level), shared between requests while they stay."""
    bits = _bits_cache.get(cells)
    if bits is None:
        bits = CellBits(cells)
        _bits_cache.clear()
        _bits_cache[cells] = bits
    return bits


@dataclass(frozen=True)
class MatrixPage:
    """One page of a list already counted: what `_macros.pagination` needs."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


class TeamMatrix:
    """The matrix of everyone `viewer` answers for, read once; filtered, counted and paged from there.

    Two queries read it whatever the number of people: the cells, and a row per
    person with the set of cells they hold (`_standings_statement`). The filters,
    the counts and the page are computed from those rows, and only the page's
    people are loaded as objects (two more queries). Filtering and counting in SQL
    instead cost the page a grouped subquery per filter, count and listing, each
    evaluating the whole scope again; an object per person made the garbage
    collector a third of the page's time (tests/benchmarks/bench_skills.py).
    """

    def __init__(self, viewer: User):
        self.viewer = viewer
        cells = select(SkillCell.id, SkillCell.dimension, SkillCell.level).order_by(SkillCell.id)
        self.bits = cell_bits(tuple(tuple(row) for row in db.session.connection().execute(cells)))
        # (user id, team, employee number, held cells) per person, in the matrix's order. Run on the
        # session's connection: a Core select needs none of the ORM's result handling, which cost a
        # third of this query's time for 2,000 rows. Kept as plain tuples, which the garbage collector
        # stops tracking, rather than rows: half the collections per request. The columns are plain
        # integers and strings, which need no result processing: the driver's own tuples, fetched at
        # once, skip a Python call per row.
        result = db.session.connection().execute(_standings_statement(viewer, self.bits))
        try:
            self.standings = [tuple(row) for row in result.cursor.fetchall()]
        finally:
            result.close()

    @property
    def teams(self) -> list[str]:
        """The team names among the people in scope, for the filter."""
        return sorted({team for _, team, _, _ in self.standings if team is not None})

    def listed(self, filters: MatrixFilter) -> list:
        """The standings the filter keeps, in the matrix's order (team, then employee number)."""
        if not filters.team and not filters.level:
            return self.standings
        wanted = LEVEL_RANKS.get(filters.level, 0)
        at = list(SKILL_DIMENSIONS).index(filters.dimension) if filters.dimension else None

        def keeps(standing) -> bool:
            if filters.team and standing[1] != filters.team:
                return False
            if not filters.level:
                return True
            ranks = self.bits.ranks(standing[3])
            return ranks[at] == wanted if at is not None else wanted in ranks

        return [standing for standing in self.standings if keeps(standing)]

    def counts(self, filters: MatrixFilter) -> LevelCounts:
        """Per dimension, how many of the people the filter keeps stand at each highest level (no query)."""
        listed = self.listed(filters)
        tallies = [[0] * len(LEVEL_FILTERS) for _ in SKILL_DIMENSIONS]  # [dimension][rank]: 0 is "none"
        for held, people in Counter(standing[3] for standing in listed).items():
            for tally, rank in zip(tallies, self.bits.ranks(held), strict=True):
                tally[rank] += people
        by_dimension = {
            dimension: dict(zip(LEVEL_FILTERS, tally, strict=True))
            for dimension, tally in zip(SKILL_DIMENSIONS, tallies, strict=True)
        }
        return LevelCounts(total=len(listed), by_dimension=by_dimension)

    def page(self, filters: MatrixFilter, page: int, per_page: int) -> tuple[MatrixPage, list[MatrixRow]]:
        """One page of rows (page numbers past the end give an empty page): two queries."""
        listed = self.listed(filters)
        page = max(1, page)
        ids = [standing[0] for standing in listed[(page - 1) * per_page : page * per_page]]
        stmt = select(User).where(User.id.in_(ids)).options(lazyload(User.role_rows))  # the page shows no roles
        people = {person.id: person for person in db.session.scalars(stmt)} if ids else {}
        return MatrixPage(page, per_page, len(listed)), _rows([people[user_id] for user_id in ids], ids)

    def all_rows(self, filters: MatrixFilter) -> list[MatrixRow]:
        """Every row the filter keeps (the CSV export): two queries, the people in scope and their levels."""
        kept = [standing[0] for standing in self.listed(filters)]
        people = {person.id: person for person in db.session.scalars(_people().where(*_scope(self.viewer)))}
        return _rows([people[user_id] for user_id in kept], select(User.id).where(*_scope(self.viewer)))


def _people() -> Select:
    """People with their manager and mentor (the CSV names them); nobody's roles, which the matrix never asks."""
    return select(User).options(
        joinedload(User.manager).lazyload(User.role_rows),
        joinedload(User.mentor).lazyload(User.role_rows),
        lazyload(User.role_rows),
    )


_NOTHING_YET = {dimension: MatrixCell(dimension) for dimension in SKILL_DIMENSIONS}  # shared: frozen


def _rows(people: list[User], ids) -> list[MatrixRow]:
    """Each person's highest level per dimension with its date, from the current levels of `ids` (one query)."""
    dated = current_awards_query().add_columns(_level_rank().label("rank"))
    best: dict[tuple[int, str], MatrixCell] = {}
    connection = db.session.connection()  # Core: the rows need none of the ORM's result handling
    for award in connection.execute(dated.where(SkillLevelAward.user_id.in_(ids))) if people else ():
        key = (award.user_id, award.dimension)
        held = best.get(key)
        if held is None or (award.rank, award.achieved_on) > (held.rank, held.achieved_on):
            best[key] = MatrixCell(award.dimension, award.level, award.achieved_on)
    return [
        MatrixRow(
            person,
            tuple(best.get((person.id, dimension), _NOTHING_YET[dimension]) for dimension in SKILL_DIMENSIONS),
        )
        for person in people
    ]


def _highest_levels():
    """A subquery: each person's highest current rank per dimension (rows only where they hold one)."""
    current = current_awards_query().add_columns(_level_rank().label("rank")).subquery("current_award")
    return (
        select(current.c.user_id, current.c.dimension, func.max(current.c.rank).label("top"))
        .group_by(current.c.user_id, current.c.dimension)
        .subquery("highest_level")
    )


def coverage_by_team(viewer: User, team: str = "") -> list[TeamCoverage]:
    """Coverage per team (HR): headcount, and per dimension how many reached each level or above.

    Two grouped queries whatever the number of people or teams; teams in name
    order, people without a team last.
    """
    scope = _scope(viewer) + ([User.team == team] if team else [])
    headcounts = db.session.execute(select(User.team, func.count()).where(*scope).group_by(User.team)).all()
    highest = _highest_levels()
    reached_rows = db.session.execute(
        select(User.team, highest.c.dimension, highest.c.top, func.count())
        .join(highest, highest.c.user_id == User.id)
        .where(*scope)
        .group_by(User.team, highest.c.dimension, highest.c.top)
    ).all()
    at_rank: dict[str | None, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for team_name, dimension, top, people in reached_rows:
        at_rank[team_name][dimension][top] = people
    teams = []
    for team_name, headcount in sorted(headcounts, key=lambda row: (row[0] is None, row[0] or "")):
        coverage = TeamCoverage(team_name, headcount)
        for dimension in SKILL_DIMENSIONS:
            ranks = at_rank[team_name][dimension]
            coverage.reached[dimension] = {
                level: sum(people for top, people in ranks.items() if top >= rank)
                for level, rank in LEVEL_RANKS.items()
            }
        teams.append(coverage)
    return teams


MATRIX_CSV_HEADER = ["工号", "姓名", "团队", "经理", "导师"] + [
    heading for label in SKILL_DIMENSIONS.values() for heading in (f"{label}·最高等级", f"{label}·达成日期")
]


def matrix_csv_rows(rows: list[MatrixRow]) -> Iterator[list]:
    """The matrix as spreadsheet rows under MATRIX_CSV_HEADER: a person, then level and date per dimension."""
    for row in rows:
        person = row.person
        line = [
            person.employee_no,
            person.name,
            person.team or "",
            person.manager.name if person.manager else "",
            person.mentor.name if person.mentor else "",
        ]
        for cell in row.cells:
            line += [cell.label, cell.achieved_on]
        yield line


COVERAGE_CSV_HEADER = ["团队", "技能维度", "人数"] + [
    heading for label in SKILL_LEVELS.values() for heading in (f"达到{label}及以上·人数", f"达到{label}及以上·占比%")
]


def coverage_csv_rows(teams: list[TeamCoverage]) -> Iterator[list]:
    """Coverage as spreadsheet rows under COVERAGE_CSV_HEADER: one per team and dimension."""
    for coverage in teams:
        for dimension, label in SKILL_DIMENSIONS.items():
            line = [coverage.label, label, coverage.headcount]
            for level in SKILL_LEVELS:
                line += [coverage.reached[dimension][level], coverage.share(dimension, level)]
            yield line
