"""The one way this platform answers with a CSV file (every export uses it).

Excel is what HR opens these files with, so two things hold for every one:

- UTF-8 with a byte-order mark, which Excel needs to read Chinese;
- no cell runs as a formula. A cell that starts with =, +, -, @, a tab or a
  carriage return is a formula (or becomes one) in Excel and LibreOffice, so
  a name typed as ``=HYPERLINK(...)`` would run on HR's machine (CSV/formula
  injection, OWASP). Such a cell gets a leading apostrophe, which the
  spreadsheet shows as text and does not display. Numbers the export itself
  writes (ints, Decimals, dates) are not touched: -3 stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str | int | float | Decimal:
    """One cell as written: text that a spreadsheet would run is prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """The CSV text (with the BOM) of `header` and `rows`, every cell through `safe_cell`."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> Response:
    """A download of `rows` under `header` as `filename` (an ASCII name, or any name via RFC 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        disposition += f"; filename*=UTF-8''{quote(filename)}"
    return Response(csv_text(header, rows), mimetype="text/csv", headers={"Content-Disposition": disposition})
