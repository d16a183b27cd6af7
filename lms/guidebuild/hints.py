"""Read the reviewed hint files (errata, tables, structure) with line numbers.

Every mapping read from a hint file carries the key `__line__`, and every
string is a `LineStr` that knows its line, so that an error about an entry
can name the file and line.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from lms.guidebuild.errors import GuideError

LINE = "__line__"


class LineStr(str):
    """A string read from a hint file, with the line it stands on."""

    line = 0


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: 10× faster
    """A safe loader that records where each mapping and string starts."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping

    def construct_line_str(self, node):
        value = LineStr(self.construct_scalar(node))
        value.line = node.start_mark.line + 1
        return value


_LineLoader.add_constructor("tag:yaml.org,2002:str", _LineLoader.construct_line_str)


def line_of(entry) -> int:
    """The line a hint entry (mapping or string) starts on, 0 if unknown."""
    if isinstance(entry, dict):
        return entry.get(LINE, 0)
    return getattr(entry, "line", 0)


def read_document(path: Path) -> dict:
    """Return the top-level mapping of the YAML hint file at `path`.

    Raises GuideError naming the file (and line, where YAML knows it) when the
    file is missing, is not valid YAML or is not a mapping.
    """
    path = Path(path)
    if not path.is_file():
        raise GuideError(f"{path}: hint file not found")
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (a safe loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise GuideError(f"{path}:{mark.line + 1 if mark else 1}: not valid YAML: {exc.problem}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise GuideError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise GuideError(f"{path}:1: expected a mapping at the top")
    return document


def load_hints(path: Path, key: str) -> list:
    """Return the list under `key` in the YAML hint file at `path`."""
    entries = read_document(path).get(key)
    if not isinstance(entries, list):
        raise GuideError(f"{path}:1: expected a '{key}' list")
    return entries


def require(path: Path, entry, keys: tuple[str, ...]) -> dict:
    """Check that `entry` is a mapping with every key in `keys`; return it."""
    if not isinstance(entry, dict):
        raise GuideError(f"{path}:{line_of(entry)}: expected a mapping")
    missing = [key for key in keys if entry.get(key) in (None, "", [])]
    if missing:
        raise GuideError(f"{path}:{entry[LINE]}: entry lacks {', '.join(missing)}")
    return entry
