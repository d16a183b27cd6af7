"""Rebuild the guide's flattened tables from `content/source/tables.yaml`.

The copy lost every cell boundary, so a table reads as one run of text. A
hint lists the table's rows with their cells; the build accepts it only if
the caption and cells, joined in order, are exactly the guide's text where
the table stands. A hint can therefore cut the text but never change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lms.guidebuild.errors import GuideError
from lms.guidebuild.hints import LINE, load_hints, require

CELL_SEPARATOR = "|"


@dataclass(frozen=True)
class Table:
    """A rebuilt table: its clause, caption, header cells and body rows."""

    clause: str
    name: str
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    file: str = ""  # the hint file and line, for error messages
    line: int = 0

    @property
    def text(self) -> str:
        """The guide's text this table stands for: caption, then cells row by row."""
        cells = [cell for row in (self.header, *self.rows) for cell in row]
        return self.caption + "".join(cells)


def load_tables(path: Path) -> list[Table]:
    """Read the table hints; errors name the file and line."""
    path = Path(path)
    return [_table(path, entry) for entry in load_hints(path, "tables")]


def tables_by_clause(tables: list[Table]) -> dict[str, list[Table]]:
    """Group tables by clause, keeping their order in the hint file."""
    grouped: dict[str, list[Table]] = {}
    for table in tables:
        grouped.setdefault(table.clause, []).append(table)
    return grouped


def locate_tables(text: str, tables: list[Table]) -> list[tuple[int, Table]]:
    """Find each table of one clause in that clause's text, in order.

    Returns (offset, table) pairs. Raises GuideError, naming the hint's file
    and line, when a table's text is not found after the previous table.
    """
    found, cursor = [], 0
    for table in tables:
        offset = text.find(table.text, cursor)
        if offset < 0:
            raise GuideError(
                f"{table.file}:{table.line}: table {table.name!r} (clause {table.clause}): its caption and "
                "cells joined do not match the guide text; check the cells against the guide"
            )
        found.append((offset, table))
        cursor = offset + len(table.text)
    return found


def _table(path: Path, entry) -> Table:
    entry = require(path, entry, ("clause", "name", "rows"))
    line = entry[LINE]
    rows = [_cells(row) for row in entry["rows"]]
    width = len(rows[0])
    if width < 2:
        raise GuideError(f"{path}:{line}: table {entry['name']!r} needs at least two header cells")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise GuideError(
                f"{path}:{line}: table {entry['name']!r} row {number} has {len(row)} cells, the header {width}"
            )
    return Table(
        clause=str(entry["clause"]),
        name=str(entry["name"]),
        caption=str(entry.get("caption") or ""),
        header=rows[0],
        rows=tuple(rows[1:]),
        file=str(path),
        line=line,
    )


def _cells(row) -> tuple[str, ...]:
    return tuple(cell.strip() for cell in str(row).split(CELL_SEPARATOR))
