"""Read the guide's web copy and cut away the hosting site's page furniture.

The copy is UTF-8 text. Everything before the line `文檔簡介` (page titles,
download notice, copyright line) and from the line `溫馨提示` on (the site's
terms and comment box) is site chrome, not the guide.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lms.guidebuild.errors import GuideError

BODY_START = ("文檔簡介", "文档简介")
BODY_END = ("溫馨提示", "温馨提示")


@dataclass(frozen=True)
class Source:
    """The guide as read from disk: its file, its text and its SHA-256."""

    path: Path
    text: str
    sha256: str


def read_source(path: Path) -> Source:
    """Read the guide at `path` as UTF-8.

    Raises GuideError when the file is missing, empty, or not UTF-8 (naming
    the line and byte offset of the first bad byte).
    """
    path = Path(path)
    if not path.is_file():
        raise GuideError(f"{path}: source file not found")
    data = path.read_bytes()
    if not data.strip():
        raise GuideError(f"{path}: source file is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise GuideError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save the guide as UTF-8"
        ) from None
    return Source(path=path, text=text.removeprefix("\ufeff"), sha256=hashlib.sha256(data).hexdigest())


def guide_body(source: Source) -> str:
    """Return the guide's own text: the lines between the site's chrome, joined.

    Raises GuideError when either chrome marker is missing or nothing is between.
    """
    lines = source.text.splitlines()
    start = _marker_line(lines, BODY_START, source.path, "start")
    end = _marker_line(lines[start:], BODY_END, source.path, "end") + start
    body = "".join(line.strip() for line in lines[start + 1 : end])
    if not body:
        raise GuideError(f"{source.path}:{start + 1}: no guide text between {BODY_START[0]} and {BODY_END[0]}")
    return body


def _marker_line(lines: list[str], markers: tuple[str, ...], path: Path, which: str) -> int:
    for number, line in enumerate(lines):
        if line.strip() in markers:
            return number
    raise GuideError(f"{path}: the body {which} marker line {markers[0]!r} is missing; is this the guide's web copy?")
