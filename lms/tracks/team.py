"""The team skill matrix (issue 13, point 6): people × the five dimensions of guide 5.2.

For managers (their people), mentors (their mentees) and HR (everyone), as
`lms.access.followed_by` defines "the people someone answers for". A cell
shows the highest level the person currently holds in that dimension: their
awards (`SkillLevelAward`) without a revocation, whatever later happened to
the track file (a retired cell still counts, point 5).

Every function here costs a fixed number of queries whatever the number of
people (tests/tracks/test_team_queries.py counts them on both databases):
the highest levels are worked out in SQL, grouped by person and dimension,
and the page, the counts and the filters all select from that one subquery.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import joinedload, lazyload

from lms.access import followed_by
from lms.extensions import db
from lms.models import User
from lms.models.tracks import SkillCell, SkillLevelAward, SkillLevelRevocation
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS

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


# --- the SQL underneath -----------------------------------------------------------------------


def _level_rank() -> ColumnElement[int]:
    return case(LEVEL_RANKS, value=SkillCell.level, else_=0)


def _current_awards() -> Select:
    """(user_id, dimension, level, rank, achieved_on) of every award that is not revoked."""
    return (
        select(
            SkillLevelAward.user_id,
            SkillCell.dimension,
            SkillCell.level,
            _level_rank().label("rank"),
            SkillLevelAward.achieved_on,
        )
        .join(SkillCell, SkillCell.id == SkillLevelAward.cell_id)
        .outerjoin(SkillLevelRevocation, SkillLevelRevocation.award_id == SkillLevelAward.id)
        .where(SkillLevelRevocation.id.is_(None))
    )


def _highest_levels():
    """A subquery: each person's highest current rank per dimension (rows only where they hold one)."""
    current = _current_awards().subquery("current_award")
    return (
        select(current.c.user_id, current.c.dimension, func.max(current.c.rank).label("top"))
        .group_by(current.c.user_id, current.c.dimension)
        .subquery("highest_level")
    )


def _scope(viewer: User) -> list[ColumnElement[bool]]:
    """The people `viewer` answers for who appear in a matrix: active reps."""
    return [User.active.is_(True), User.role_rows.any(role=MATRIX_ROLE), followed_by(viewer)]


def _level_condition(filters: MatrixFilter) -> ColumnElement[bool] | None:
    """The level filter as a condition on User.id (None without one)."""
    if not filters.level:
        return None
    highest = _highest_levels()
    at_dimension = [highest.c.dimension == filters.dimension] if filters.dimension else []
    if filters.level == NO_LEVEL:
        if filters.dimension:
            return User.id.not_in(select(highest.c.user_id).where(*at_dimension))
        complete = select(highest.c.user_id).group_by(highest.c.user_id).having(func.count() == len(SKILL_DIMENSIONS))
        return User.id.not_in(complete)
    rank = LEVEL_RANKS[filters.level]
    return User.id.in_(select(highest.c.user_id).where(highest.c.top == rank, *at_dimension))


def _conditions(viewer: User, filters: MatrixFilter) -> list[ColumnElement[bool]]:
    conditions = _scope(viewer)
    if filters.team:
        conditions.append(User.team == filters.team)
    level = _level_condition(filters)
    if level is not None:
        conditions.append(level)
    return conditions


def people_statement(viewer: User, filters: MatrixFilter) -> Select:
    """A select of the people the matrix lists for `viewer`, by team then employee number.

    Manager and mentor come in the same query (the CSV names them); nobody's
    roles are loaded, since the matrix never asks them.
    """
    return (
        select(User)
        .where(*_conditions(viewer, filters))
        .options(
            joinedload(User.manager).lazyload(User.role_rows),
            joinedload(User.mentor).lazyload(User.role_rows),
            lazyload(User.role_rows),
        )
        .order_by(User.team, User.employee_no)
    )


def _people_ids(viewer: User, filters: MatrixFilter) -> Select:
    return select(User.id).where(*_conditions(viewer, filters))


# --- what the views ask -----------------------------------------------------------------------


def team_options(viewer: User) -> list[str]:
    """The team names among the people `viewer` answers for, for the filter (one query)."""
    stmt = select(User.team).where(*_scope(viewer), User.team.is_not(None)).distinct().order_by(User.team)
    return list(db.session.scalars(stmt))


def matrix_page(viewer: User, filters: MatrixFilter, page: int, per_page: int) -> tuple[Pagination, list[MatrixRow]]:
    """One page of the matrix: the pagination (people, total) and a row of five cells per person.

    Three queries whatever the page size or the number of people: the count,
    the page of people, and the current awards of that page's people.
    """
    pagination = db.paginate(people_statement(viewer, filters), page=page, per_page=per_page, error_out=False)
    people = list(pagination.items)
    ids = [person.id for person in people]
    awards = db.session.execute(_current_awards().where(SkillLevelAward.user_id.in_(ids))).all() if ids else []
    return pagination, _rows(people, awards)


def all_rows(viewer: User, filters: MatrixFilter) -> list[MatrixRow]:
    """Every row of the matrix (for the CSV export): two queries, the people and their current awards."""
    people = list(db.session.scalars(people_statement(viewer, filters)).unique())
    ids = _people_ids(viewer, filters)
    awards = db.session.execute(_current_awards().where(SkillLevelAward.user_id.in_(ids))).all()
    return _rows(people, awards)


def _rows(people: list[User], awards) -> list[MatrixRow]:
    """Each person's highest level per dimension, from their current awards (the latest date on a tie)."""
    best: dict[tuple[int, str], MatrixCell] = {}
    for award in awards:
        key = (award.user_id, award.dimension)
        held = best.get(key)
        if held is None or (award.rank, award.achieved_on) > (held.rank, held.achieved_on):
            best[key] = MatrixCell(award.dimension, award.level, award.achieved_on)
    return [
        MatrixRow(
            person,
            tuple(best.get((person.id, dimension), MatrixCell(dimension)) for dimension in SKILL_DIMENSIONS),
        )
        for person in people
    ]


def level_counts(viewer: User, filters: MatrixFilter, total: int) -> LevelCounts:
    """Per dimension, how many of the `total` people the filter lists stand at each highest level (one query)."""
    highest = _highest_levels()
    stmt = (
        select(highest.c.dimension, highest.c.top, func.count())
        .where(highest.c.user_id.in_(_people_ids(viewer, filters)))
        .group_by(highest.c.dimension, highest.c.top)
    )
    by_dimension = {dimension: dict.fromkeys(LEVEL_FILTERS, 0) for dimension in SKILL_DIMENSIONS}
    levels_by_rank = {rank: level for level, rank in LEVEL_RANKS.items()}
    for dimension, top, people in db.session.execute(stmt):
        if dimension in by_dimension and top in levels_by_rank:
            by_dimension[dimension][levels_by_rank[top]] = people
    for counts in by_dimension.values():
        counts[NO_LEVEL] = total - sum(counts[level] for level in SKILL_LEVELS)
    return LevelCounts(total=total, by_dimension=by_dimension)


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
