"""The reviewed repairs of the guide's garbled places, re-applied on every build.

`content/source/errata.yaml` lists each repair as the garbled text exactly as
it stands in the raw copy (Traditional, with its pinyin), the words that were
meant (Simplified), and the clause it belongs to. The garbled text carries
enough of its neighbours to occur exactly once, so every entry names one
place and one place only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lms.guidebuild.clauses import clause_at, clause_marks
from lms.guidebuild.errors import GuideError
from lms.guidebuild.hints import LINE, load_hints, require

KINDS = ("mojibake", "lost-operator")


@dataclass(frozen=True)
class Erratum:
    """One repair: `garbled` (raw copy) becomes `repaired`, in `clause`."""

    clause: str
    garbled: str
    repaired: str
    kind: str = "mojibake"
    note: str = ""
    line: int = 0  # line of the entry in errata.yaml, for error messages


def load_errata(path: Path) -> list[Erratum]:
    """Read and validate the errata file; errors name the file and line."""
    path = Path(path)
    errata = [_erratum(path, entry) for entry in load_hints(path, "errata")]
    _refuse_duplicates(path, errata)
    return errata


def apply_errata(body: str, errata: list[Erratum], path: Path) -> str:
    """Return `body` with every erratum applied.

    Each garbled text must occur exactly once and in the clause its entry
    names; otherwise the entry is stale and the build stops.
    """
    marks = clause_marks(body)
    edits = sorted((_locate(body, erratum, path), erratum) for erratum in errata)
    for (start, first), (next_start, second) in zip(edits, edits[1:]):
        if start + len(first.garbled) > next_start:
            raise GuideError(f"{path}:{second.line}: overlaps the entry at line {first.line}")
    pieces, cursor = [], 0
    for start, erratum in edits:
        found_in = clause_at(body, start, marks)
        if found_in != erratum.clause:
            raise GuideError(
                f"{path}:{erratum.line}: entry says clause {erratum.clause} but its text is in clause {found_in}"
            )
        pieces += [body[cursor:start], erratum.repaired]
        cursor = start + len(erratum.garbled)
    return "".join(pieces) + body[cursor:]


def _locate(body: str, erratum: Erratum, path: Path) -> int:
    count = body.count(erratum.garbled)
    if count != 1:
        found = "not found" if count == 0 else f"found {count} times; add context to make it unique"
        raise GuideError(f"{path}:{erratum.line}: garbled text {erratum.garbled!r} {found}")
    return body.index(erratum.garbled)


def _erratum(path: Path, entry) -> Erratum:
    entry = require(path, entry, ("clause", "garbled", "repaired"))
    kind = entry.get("kind", "mojibake")
    if kind not in KINDS:
        raise GuideError(f"{path}:{entry[LINE]}: kind must be one of {', '.join(KINDS)}")
    return Erratum(
        clause=str(entry["clause"]),
        garbled=str(entry["garbled"]),
        repaired=str(entry["repaired"]),
        kind=kind,
        note=str(entry.get("note", "")),
        line=entry[LINE],
    )


def _refuse_duplicates(path: Path, errata: list[Erratum]) -> None:
    seen: dict[str, int] = {}
    for erratum in errata:
        if erratum.garbled in seen:
            raise GuideError(f"{path}:{erratum.line}: same garbled text as the entry at line {seen[erratum.garbled]}")
        seen[erratum.garbled] = erratum.line
