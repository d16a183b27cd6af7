"""HR's period report and the manager's team view: who qualifies for what, and who is one step away (issue 14, 8).

Both list people and evaluate their eligibility with a fixed number of
queries: the people (a page of them, or all when filtering by a rule or
exporting) and then every fact of theirs in one query. The export is the same
rows as CSV (through lms.csv_export) or XLSX (openpyxl, each cell through the
same formula guard).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, Select, func, or_, select

from lms.access import STAFF_ADMIN_ROLES, Relation, people_followed_by
from lms.csv_export import safe_cell
from lms.extensions import db
from lms.incentives.eligibility import Eligibility, eligibility_for
from lms.incentives.loader import Rules
from lms.incentives.periods import Period
from lms.models import User, UserRole

# The sales staff 7.3.1 applies to; HR and admin accounts alone are not on the list.
REPORT_ROLES = ("rep", "mentor", "manager")


@dataclass(frozen=True)
class ReportFilter:
    """Which people: a team, a name or 工号 fragment, and only those meeting a rule (key) or any rule ("any")."""

    team: str = ""
    query: str = ""
    rule: str = ""


@dataclass(frozen=True)
class ReportRow:
    """One person (id, employee_no, name, team: a row, not the ORM object, which cost a third of a page)
    and their eligibility for the period."""

    person: Row
    eligibility: Eligibility


def population(wanted: ReportFilter | None = None, viewer: User | None = None) -> Select:
    """Ids of the active sales staff, filtered; with `viewer`, only the people they manage (HR, admin: all)."""
    wanted = wanted or ReportFilter()
    stmt = (
        select(User.id)
        .where(User.active.is_(True), User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(REPORT_ROLES))))
        .order_by(User.team, User.employee_no)
    )
    if viewer is not None and not viewer.has_role(*STAFF_ADMIN_ROLES):
        stmt = stmt.where(User.id.in_(people_followed_by(viewer, Relation.MANAGER)))
    if wanted.team:
        stmt = stmt.where(User.team == wanted.team)
    if wanted.query:
        pattern = "%" + wanted.query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(User.name.like(pattern, escape="\\"), User.employee_no.ilike(pattern, escape="\\")))
    return stmt


def _people(ids: list[int]) -> dict[int, Row]:
    if not ids:
        return {}
    stmt = select(User.id, User.employee_no, User.name, User.team).where(User.id.in_(ids))
    return {person.id: person for person in db.session.execute(stmt)}


def rows_for(ids: list[int], rules: Rules, period: Period, as_of: date) -> list[ReportRow]:
    """Rows for the given people, in the given order: two queries (people, facts)."""
    people = _people(ids)
    results = eligibility_for(ids, rules, period, as_of)
    return [ReportRow(people[person_id], results[person_id]) for person_id in ids if person_id in people]


def _keep(row: ReportRow, rule: str) -> bool:
    if rule == "any":
        return row.eligibility.qualifies
    if rule == "near":
        return bool(row.eligibility.near)
    return any(result.rule.key == rule and result.met for result in row.eligibility.results)


@dataclass(frozen=True)
class ReportPage:
    """One page of rows, and how many rows the whole filtered list has."""

    rows: list[ReportRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def report_page(
    wanted: ReportFilter,
    rules: Rules,
    period: Period,
    as_of: date,
    page: int,
    per_page: int,
    viewer: User | None = None,
) -> ReportPage:
    """A page of the report. Without a rule filter only the page's people are evaluated; with one, everyone
    filtered is (the rule decides who is listed), still in the same number of queries."""
    people = population(wanted, viewer)
    if not wanted.rule:
        total = db.session.scalar(select(func.count()).select_from(people.order_by(None).subquery()))
        shown = list(db.session.scalars(people.limit(per_page).offset((page - 1) * per_page)))
        return ReportPage(rows_for(shown, rules, period, as_of), total, page, per_page)
    ids = list(db.session.scalars(people))
    rows = [row for row in rows_for(ids, rules, period, as_of) if _keep(row, wanted.rule)]
    return ReportPage(rows[(page - 1) * per_page : page * per_page], len(rows), page, per_page)


def all_rows(wanted: ReportFilter, rules: Rules, period: Period, as_of: date, viewer: User | None = None):
    """Every row of the filtered report (for exports and the team view)."""
    ids = list(db.session.scalars(population(wanted, viewer)))
    rows = rows_for(ids, rules, period, as_of)
    return [row for row in rows if _keep(row, wanted.rule)] if wanted.rule else rows


def export_header(rules: Rules) -> list[str]:
    """Columns of the export: the person, then one column per rule, then the types met."""
    return ["工号", "姓名", "团队", "期间", *(rule.title for rule in rules.rules), "符合的奖励类型"]


def export_rows(rows: list[ReportRow]) -> list[list]:
    """Each rule's cell reads 「符合：evidence」 or 「不符合：what is missing」."""
    lines = []
    for row in rows:
        cells = []
        for result in row.eligibility.results:
            outcome = result.outcome
            cells.append(f"符合：{outcome.detail}" if outcome.met else f"不符合：{outcome.missing}")
        types = "、".join(kind.type.label for kind in row.eligibility.types if kind.met)
        person = row.person
        lines.append([person.employee_no, person.name, person.team or "", row.eligibility.period.name, *cells, types])
    return lines


def xlsx_bytes(header: list[str], rows: list[list], title: str) -> bytes:
    """An XLSX workbook of one sheet; every cell through csv_export.safe_cell, so no text runs as a formula."""
    from openpyxl import Workbook  # imported here: only exports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(cell) for cell in header])
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def teams() -> list[str]:
    """The teams of the active sales staff, for the filter."""
    stmt = select(User.team).where(User.active.is_(True), User.team.is_not(None)).distinct().order_by(User.team)
    return list(db.session.scalars(stmt))
