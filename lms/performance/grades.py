"""HR's grade import (7.2): plan a file against the people and grades on record, then apply it whole.

`plan_import` reads and checks the file and says what each row would do
(new, correction, unchanged), with every bad row's line and reason and each
period's grade distribution against the target shares (a warning, never a
block). `apply_import` writes it only when the whole file is valid: the
import record, the grades, the PIPs a grade C opens, and, as the
transaction's last writes, one `performance_grade` fact per new or changed
grade (a correction supersedes the grade's current fact). Flushes, never
commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import clock
from lms.domain import DomainError
from lms.extensions import db
from lms.models import FactKind, GradeImport, PerformanceGrade, User
from lms.people.csv_import import RowError
from lms.people.service import employee_no_key
from lms.performance import grade_file, plans
from lms.performance.grade_file import GradeFileError, GradeRow
from lms.performance.ledger import current_fact, current_facts
from lms.record.service import append_fact

# 7.2's target shares of each grade in a period: more is a warning.
TARGET_SHARES = {"S": Decimal(10), "A": Decimal(20), "B": Decimal(40), "C": Decimal(20), "D": Decimal(10)}
ACTION_LABELS = {"create": "新增", "correct": "更正", "unchanged": "不变"}
REASON_MAX = 500

__all__ = ["GradeFileError", "GradeImportError", "plan_import", "apply_import"]


class GradeImportError(DomainError):
    """An import that cannot be applied as given (a correction without its reason …)."""


@dataclass
class PlannedGrade:
    """One valid row and what it does: its person, and the grade on record it replaces (if any)."""

    row: GradeRow
    user_id: int
    name: str
    action: str  # create | correct | unchanged
    before: PerformanceGrade | None = None
    # The grade and score on record when planned (the `before` row itself changes once applied).
    previous: tuple[str | None, Decimal | None] | None = None

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass(frozen=True)
class GradeShare:
    """One grade's count and share in a period, against its target share."""

    grade: str
    count: int
    share: Decimal  # percent, one place
    target: Decimal

    @property
    def over(self) -> bool:
        return self.share > self.target


@dataclass(frozen=True)
class Distribution:
    """A period's grades (the file's rows with the period's other grades on record)."""

    period: str
    total: int
    shares: tuple[GradeShare, ...]

    @property
    def warnings(self) -> list[str]:
        return [
            f"{self.period}：{share.grade} 级占 {share.share}%（{share.count}/{self.total} 人），"
            f"超过目标 ≤{share.target}%"
            for share in self.shares
            if share.over
        ]


@dataclass
class ImportPlan:
    """What a file would do: its rows, its errors, the distributions; `applied` once written."""

    file_name: str
    rows: list[PlannedGrade] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)
    grade_import: GradeImport | None = None

    def count(self, action: str) -> int:
        return sum(1 for planned in self.rows if planned.action == action)

    @property
    def summary(self) -> str:
        return f"新增 {self.count('create')} 条，更正 {self.count('correct')} 条，不变 {self.count('unchanged')} 条"

    @property
    def warnings(self) -> list[str]:
        return [warning for distribution in self.distributions for warning in distribution.warnings]


def plan_import(data: bytes, file_name: str) -> ImportPlan:
    """Read a grade file and check every row; only reads.

    Bad rows (unreadable cells, grade and score that disagree, unknown 工号,
    a period that has not begun in company-local time, a row repeating an
    earlier one's person and period) are in `errors` with their lines.
    Raises GradeFileError when the file as a whole is unreadable.
    """
    positions, raw_rows = grade_file.read_rows(data, file_name)
    plan = ImportPlan(file_name=file_name)
    parsed: list[GradeRow] = []
    for line, cells in raw_rows:
        try:
            parsed.append(grade_file.parse_row(line, cells, positions))
        except ValueError as error:
            plan.errors.append(RowError(line, str(error)))
    people = _people()
    today = clock.today()
    first_line: dict[tuple[str, str], int] = {}
    valid: list[tuple[GradeRow, tuple[int, str]]] = []
    for row in parsed:
        key = (employee_no_key(row.employee_no), row.period.key)
        person = people.get(key[0])
        problems = []
        if person is None:
            problems.append(f"工号 {row.employee_no} 不存在")
        if row.period.starts_on > today:
            problems.append(f"期间 {row.period.key} 尚未开始（今天是 {today.isoformat()}），不能导入未来期间的等级")
        if key in first_line:
            problems.append(f"与第 {first_line[key]} 行重复（同一工号、同一期间）")
        first_line.setdefault(key, row.line)
        if problems:
            plan.errors.append(RowError(row.line, "；".join(problems)))
        else:
            valid.append((row, person))
    plan.errors.sort(key=lambda error: error.line)
    existing = _grades_of({row.period.key for row, _ in valid})
    for row, (user_id, name) in valid:
        before = existing.get((user_id, row.period.key))
        action = "create" if before is None else ("unchanged" if _values(before) == row.values() else "correct")
        previous = (before.grade, before.score) if before is not None else None
        plan.rows.append(PlannedGrade(row, user_id, name, action, before, previous))
    plan.distributions = _distributions(plan.rows, existing)
    return plan


def _people() -> dict[str, tuple[int, str]]:
    """Everyone, by employee-number key (one statement, whatever the file's length)."""
    rows = db.session.execute(select(User.id, User.employee_no, User.name))
    return {employee_no_key(number): (user_id, name) for user_id, number, name in rows}


def _grades_of(periods: set[str]) -> dict[tuple[int, str], PerformanceGrade]:
    """The grades on record for these periods, by (person, period)."""
    if not periods:
        return {}
    grades = db.session.scalars(select(PerformanceGrade).where(PerformanceGrade.period.in_(sorted(periods))))
    return {(grade.user_id, grade.period): grade for grade in grades}


def _values(grade: PerformanceGrade) -> tuple:
    return (grade.score, grade.grade, grade.kpi_rate, grade.satisfaction_percentile)


def _distributions(rows: list[PlannedGrade], existing: dict[tuple[int, str], PerformanceGrade]) -> list[Distribution]:
    """Each period's grades after the import: the file's rows, and the period's other grades on record."""
    by_period: dict[str, dict[int, str]] = {}
    for (user_id, period), grade in existing.items():
        by_period.setdefault(period, {})[user_id] = grade.grade
    for planned in rows:
        by_period.setdefault(planned.row.period.key, {})[planned.user_id] = planned.row.grade
    return [distribution(period, list(grades.values())) for period, grades in sorted(by_period.items())]


def distribution(period: str, grades: list[str]) -> Distribution:
    """The shares of S…D among `grades` (one per person) against 7.2's targets."""
    counts = Counter(grades)
    total = len(grades)
    shares = tuple(
        GradeShare(
            grade,
            counts[grade],
            (Decimal(100 * counts[grade]) / total).quantize(Decimal("0.1")) if total else Decimal(0),
            target,
        )
        for grade, target in TARGET_SHARES.items()
    )
    return Distribution(period, total, shares)


def period_distributions(periods: list[str]) -> list[Distribution]:
    """The distributions of grades on record for `periods` (HR's grade list)."""
    return _distributions([], _grades_of(set(periods)))


def apply_import(
    data: bytes, file_name: str, *, actor: User | None, reason: str = "", now: datetime | None = None
) -> ImportPlan:
    """Plan the file again and, when every row is valid, write it; the plan comes back with `errors` otherwise.

    `actor` is the HR officer (None: a command on the server). `reason` is
    required when the file corrects grades on record. Raises GradeFileError
    for an unreadable file and GradeImportError for a missing reason; nothing
    is written then, nor when the plan has errors.
    """
    plan = plan_import(data, file_name)
    if plan.errors:
        return plan
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise GradeImportError(f"更正原因不能超过 {REASON_MAX} 个字符。", "reason")
    if plan.count("correct") and len(reason) < 2:
        raise GradeImportError(
            f"本次导入更正了 {plan.count('correct')} 条已有等级：请填写更正原因（谁要求更正、为什么）。", "reason"
        )
    now = now or clock.now()
    record = GradeImport(
        imported_by_id=actor.id if actor else None,
        imported_at=now,
        file_name=file_name[:200] or "grades",
        row_count=len(plan.rows),
        created_count=plan.count("create"),
        corrected_count=plan.count("correct"),
        unchanged_count=plan.count("unchanged"),
        periods=", ".join(sorted({planned.row.period.key for planned in plan.rows}))[:200],
        reason=reason or None,
    )
    # A savepoint: a grade another HR officer writes meanwhile (the same person and period) collides on
    # the unique index; it is reported, and nothing of this file stays written.
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
            changed = [
                (_write(planned, record, actor, reason, now), planned.action)
                for planned in plan.rows
                if planned.action != "unchanged"
            ]
            db.session.flush()
    except IntegrityError:
        raise GradeImportError("导入时这些等级已被他人修改，未写入任何数据。请重新上传文件预览。") from None
    plans.sync_plans([grade for grade, _ in changed], now)
    corrected = [grade_source(grade) for grade, action in changed if action == "correct"]
    superseded = current_facts(FactKind.PERFORMANCE_GRADE, corrected)
    for grade, _ in changed:
        record_grade_fact(grade, actor, superseded.get(grade_source(grade)))
    plan.grade_import = record
    return plan


def _write(planned: PlannedGrade, record: GradeImport, actor: User | None, reason: str, now: datetime):
    row = planned.row
    grade = planned.before
    if grade is None:
        grade = PerformanceGrade(
            user_id=planned.user_id,
            period=row.period.key,
            period_kind=row.period.kind,
            published_on=clock.local_date(now),
        )
        db.session.add(grade)
    grade.score, grade.grade, grade.kpi_rate, grade.satisfaction_percentile = row.values()
    grade.import_id = record.id
    grade.changed_at = now
    grade.changed_by_id = actor.id if actor else None
    grade.reason = reason if planned.action == "correct" else None
    return grade


def grade_payload(grade: PerformanceGrade) -> dict:
    """The `performance_grade` fact's payload for a grade as it stands (the facts contract)."""
    return {
        "period": grade.period,
        "period_kind": grade.period_kind,
        "score": _decimal(grade.score),
        "grade": grade.grade,
        "kpi_rate": _decimal(grade.kpi_rate),
        "satisfaction_percentile": _decimal(grade.satisfaction_percentile),
        "import_id": grade.import_id,
        "reason": grade.reason,
    }


def _decimal(value) -> Decimal | None:
    # One place, as the columns store it, so the fact and a re-read agree byte for byte.
    return None if value is None else Decimal(value).quantize(grade_file.ONE_PLACE)


def grade_source(grade: PerformanceGrade) -> str:
    return f"performance_grade:{grade.id}"


_LOOK_UP = object()


def record_grade_fact(grade: PerformanceGrade, actor: User | None, supersedes=_LOOK_UP):
    """Append the grade's fact, superseding its current one (a correction); `supersedes` when already looked up."""
    source = grade_source(grade)
    if supersedes is _LOOK_UP:
        supersedes = current_fact(FactKind.PERFORMANCE_GRADE, source)
    return append_fact(
        FactKind.PERFORMANCE_GRADE,
        subject_id=grade.user_id,
        occurred_at=grade.changed_at,
        source=source,
        payload=grade_payload(grade),
        recorded_by_id=actor.id if actor else None,
        supersedes=supersedes,
    )
