"""Importing people from a CSV file: decode, parse, plan, apply.

Nothing is written unless the whole file is valid. Every bad row is reported
with its line number and the reason, in Chinese, so HR can fix the sheet.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from lms.extensions import db
from lms.models import ROLE_LABELS, User
from lms.people.service import FIELD_LIMITS, PersonData, PersonError, find_by_employee_no, save_person

# Header aliases: HR sheets usually carry Chinese headers.
COLUMNS = {
    "employee_no": ("employee_no", "工号", "员工编号"),
    "name": ("name", "姓名"),
    "email": ("email", "邮箱", "电子邮箱"),
    "hire_date": ("hire_date", "入职日期"),
    "team": ("team", "团队"),
    "manager_no": ("manager", "manager_no", "经理工号", "主管工号"),
    "mentor_no": ("mentor", "mentor_no", "导师工号"),
    "roles": ("roles", "角色"),
    "active": ("active", "在职", "状态"),
}
REQUIRED = ("employee_no", "name", "email")
ROLE_ALIASES = {**{code: code for code in ROLE_LABELS}, **{label: code for code, label in ROLE_LABELS.items()}}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "在职", "启用"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "离职", "停用"}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CsvFormatError(Exception):
    """The file as a whole cannot be read (encoding, header)."""


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}"


@dataclass
class PlannedRow:
    line: int
    data: PersonData
    action: str  # "create" | "update" | "unchanged"


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do)."""

    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def summary(self) -> str:
        return f"新增 {self.count('create')} 人，更新 {self.count('update')} 人，未变 {self.count('unchanged')} 人"


def decode_csv(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or GBK/GB18030; anything else is refused."""
    if not data.strip():
        raise CsvFormatError("文件为空。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise CsvFormatError("无法识别文件编码：请在 Excel 中另存为“CSV UTF-8”或 GBK 编码的 CSV 文件。")


def _map_header(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    lookup = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
    for index, title in enumerate(header):
        key = lookup.get(title.strip().lower())
        if key is None:
            raise CsvFormatError(f"第 1 行：无法识别的列名「{title.strip()}」。可用列名：" + "、".join(a[1] for a in COLUMNS.values()))
        if key in positions:
            raise CsvFormatError(f"第 1 行：列「{title.strip()}」重复。")
        positions[key] = index
    missing = [COLUMNS[key][1] for key in REQUIRED if key not in positions]
    if missing:
        raise CsvFormatError("第 1 行：缺少必填列：" + "、".join(missing) + "。")
    return positions


def _parse_date(value: str) -> date:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"入职日期「{value}」无效，应为 YYYY-MM-DD，例如 2026-03-01")


def _parse_roles(value: str) -> set[str]:
    roles = set()
    for word in filter(None, re.split(r"[;,|、，；\s]+", value)):
        if word.lower() not in ROLE_ALIASES and word not in ROLE_ALIASES:
            raise ValueError(f"未知角色「{word}」，可用：" + "、".join(ROLE_LABELS.values()))
        roles.add(ROLE_ALIASES.get(word.lower(), ROLE_ALIASES.get(word)))
    return roles


def _parse_active(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"在职状态「{value}」无效，应为 是/否")


def _row_to_person(cells: dict[str, str]) -> PersonData:
    """Turn one row's cells into PersonData, raising ValueError with a Chinese reason."""
    for key in REQUIRED:
        if not cells.get(key):
            raise ValueError(f"{COLUMNS[key][1]}不能为空")
    for key, limit in FIELD_LIMITS.items():
        if len(cells.get(key) or "") > limit:
            raise ValueError(f"{COLUMNS[key][1]}超过 {limit} 个字符")
    email = cells["email"].lower()
    if not EMAIL_RE.match(email):
        raise ValueError(f"邮箱「{cells['email']}」格式无效")
    data = PersonData(employee_no=cells["employee_no"], name=cells["name"], email=email, given=set())
    if "hire_date" in cells:
        data.hire_date = _parse_date(cells["hire_date"]) if cells["hire_date"] else None
    if "team" in cells:
        data.team = cells["team"] or None
    if "manager_no" in cells:
        data.manager_no = cells["manager_no"] or None
    if "mentor_no" in cells:
        data.mentor_no = cells["mentor_no"] or None
    if "roles" in cells and cells["roles"]:
        data.roles = _parse_roles(cells["roles"])
    if "active" in cells and cells["active"]:
        data.active = _parse_active(cells["active"])
    data.given = {key for key in cells if key not in REQUIRED}
    return data


def parse_people(text: str) -> tuple[list[tuple[int, PersonData]], list[RowError]]:
    """Parse the decoded CSV text into (line, PersonData) pairs and row errors."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise CsvFormatError("第 1 行：缺少表头。")
    positions = _map_header(header)
    rows, errors = [], []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            errors.append(RowError(line, f"列数为 {len(cells)}，多于表头的 {len(header)} 列"))
            continue
        values = {key: (cells[index].strip() if index < len(cells) else "") for key, index in positions.items()}
        try:
            rows.append((line, _row_to_person(values)))
        except ValueError as error:
            errors.append(RowError(line, str(error)))
    if not rows and not errors:
        raise CsvFormatError("文件中没有数据行。")
    return rows, errors


def _check_file_consistency(rows: list[tuple[int, PersonData]]) -> list[RowError]:
    """Duplicates inside the file, and references that nobody can satisfy."""
    errors: list[RowError] = []
    first_line_of: dict[str, int] = {}
    first_email_line: dict[str, int] = {}
    for line, data in rows:
        if data.employee_no in first_line_of:
            errors.append(RowError(line, f"工号 {data.employee_no} 与第 {first_line_of[data.employee_no]} 行重复"))
        first_line_of.setdefault(data.employee_no, line)
        if data.email in first_email_line:
            errors.append(RowError(line, f"邮箱 {data.email} 与第 {first_email_line[data.email]} 行重复"))
        first_email_line.setdefault(data.email, line)
    for line, data in rows:
        for ref, label in ((data.manager_no, "经理"), (data.mentor_no, "导师")):
            if ref and ref not in first_line_of and find_by_employee_no(ref) is None:
                errors.append(RowError(line, f"{label}工号 {ref} 不存在（既不在文件中，也不在系统中）"))
    return errors


def _action_for(data: PersonData) -> str:
    person = find_by_employee_no(data.employee_no)
    if person is None:
        return "create"
    return "unchanged" if _matches(person, data) else "update"


def _matches(person: User, data: PersonData) -> bool:
    same = person.name == data.name and person.email == data.email
    checks = {
        "hire_date": lambda: person.hire_date == data.hire_date,
        "team": lambda: person.team == data.team,
        "manager_no": lambda: (person.manager.employee_no if person.manager else None) == data.manager_no,
        "mentor_no": lambda: (person.mentor.employee_no if person.mentor else None) == data.mentor_no,
        "roles": lambda: data.roles is None or person.roles == data.roles,
        "active": lambda: data.active is None or person.active == data.active,
    }
    return same and all(check() for key, check in checks.items() if key in data.given)


def import_people(data: bytes, dry_run: bool = False) -> ImportReport:
    """Validate a people CSV and, unless `dry_run` or any row is bad, upsert it.

    Upserts by employee number. Flushes, never commits; on errors nothing is
    added to the session, so the caller's commit writes nothing.
    Raises CsvFormatError when the file as a whole is unreadable.
    """
    rows, errors = parse_people(decode_csv(data))
    errors += _check_file_consistency(rows)
    report = ImportReport(rows=[PlannedRow(line, person, _action_for(person)) for line, person in rows])
    if errors:
        report.errors = sorted(errors, key=lambda error: error.line)
        return report
    if not dry_run:
        # A savepoint, so that a conflict found while writing (say, two people
        # swapping e-mails) leaves nothing half-written in the session.
        savepoint = db.session.begin_nested()
        report.errors = _apply(report.rows)
        savepoint.rollback() if report.errors else savepoint.commit()
        report.applied = not report.errors
    return report


def _apply(rows: list[PlannedRow]) -> list[RowError]:
    """Write in two passes: people first, then manager/mentor links between them."""
    errors = []
    for row in rows:
        first_pass = PersonData(**{**row.data.__dict__, "manager_no": None, "mentor_no": None})
        first_pass.given = row.data.given - {"manager_no", "mentor_no"}
        try:
            save_person(first_pass, find_by_employee_no(row.data.employee_no))
        except PersonError as error:
            errors.append(RowError(row.line, str(error)))
    for row in rows:
        if errors:
            break
        try:
            save_person(row.data, find_by_employee_no(row.data.employee_no))
        except PersonError as error:
            errors.append(RowError(row.line, str(error)))
    return errors


def export_row(person: User) -> list[str]:
    """One person as a CSV row in the column order of the Chinese headers."""
    return [
        person.employee_no,
        person.name,
        person.email,
        person.hire_date.isoformat() if person.hire_date else "",
        person.team or "",
        person.manager.employee_no if person.manager else "",
        person.mentor.employee_no if person.mentor else "",
        ";".join(sorted(person.roles)),
        "是" if person.active else "否",
    ]
