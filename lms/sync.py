"""The one upsert-and-retire routine behind every sync from files: lessons, question banks, exams.

Files in `content/` and `quizzes/` are the source of truth; the database
keeps a row per natural key (clause id, question id, exam key). A sync
creates what is new, updates what changed (by content hash), leaves the rest,
and *retires* rows whose file entry disappeared — never deletes them, since
progress, attempts, appeals and record facts point at them. A retired row
that reappears is brought back. Each sync flushes and never commits: its
command commits once, or rolls back on ``--dry-run``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Row = TypeVar("Row")
Item = TypeVar("Item")


@dataclass
class SyncReport:
    """What a sync did (or, on a dry run, would do), by natural key; `noun` names the things counted."""

    noun: str = "项"
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """One Chinese line: 新增 n 课，更新 n 课，未变 n 课，停用 n 课."""
        counts = (("新增", self.created), ("更新", self.updated), ("未变", self.unchanged), ("停用", self.retired))
        return "，".join(f"{label} {len(keys)} {self.noun}" for label, keys in counts)

    def as_dict(self) -> dict:
        """The counts, for JSON output."""
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "retired": len(self.retired),
        }


@dataclass
class Upsert(Generic[Row, Item]):
    """How one kind of row is synced: the callbacks `upsert_and_retire` calls.

    - `unchanged(row, item)`: the row already holds the item (usually: same content hash);
    - `create(key, item)`: a new row (added to the session by the callback);
    - `update(row, item)`: write the item into an existing row;
    - `retire(row)`: mark a row whose item disappeared;
    - `is_retired(row)`: whether a row is retired now;
    - `restore(row)`: bring a retired row back (called before `update`);
    - `keep(row, item)`: optional, for an unchanged row that still needs bookkeeping (position, flags).
    """

    unchanged: Callable[[Row, Item], bool]
    create: Callable[[str, Item], Row]
    update: Callable[[Row, Item], None]
    retire: Callable[[Row], None]
    is_retired: Callable[[Row], bool]
    restore: Callable[[Row], None]
    keep: Callable[[Row, Item], None] | None = None


def retired_at_marks(now) -> dict:
    """The retire / is_retired / restore callbacks for rows that mark retirement in `retired_at`.

    Every synced table does (lessons, banks, questions, exams): `Upsert(..., **retired_at_marks(now))`.
    """
    return {
        "retire": lambda row: setattr(row, "retired_at", now),
        "is_retired": lambda row: row.retired_at is not None,
        "restore": lambda row: setattr(row, "retired_at", None),
    }


def upsert_and_retire(
    existing: Mapping[str, Row],
    incoming: Iterable[tuple[str, Item]],
    how: Upsert[Row, Item],
    report: SyncReport,
    dry_run: bool = False,
) -> SyncReport:
    """Sync `incoming` (key, item) pairs against `existing` rows by key, filling `report`.

    With `dry_run` no callback that changes a row runs: the report says what
    would happen. The caller flushes.
    """
    seen: set[str] = set()
    for key, item in incoming:
        seen.add(key)
        row = existing.get(key)
        if row is None:
            report.created.append(key)
            if not dry_run:
                how.create(key, item)
        elif not how.is_retired(row) and how.unchanged(row, item):
            report.unchanged.append(key)
            if how.keep is not None and not dry_run:
                how.keep(row, item)
        else:
            report.updated.append(key)
            if not dry_run:
                if how.is_retired(row):
                    how.restore(row)
                how.update(row, item)
    for key, row in existing.items():
        if key not in seen and not how.is_retired(row):
            report.retired.append(key)
            if not dry_run:
                how.retire(row)
    return report
