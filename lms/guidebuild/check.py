"""Validate a built `content/` folder and summarise it.

The course loader checks the front matter, unique clause ids and lesson
order; this adds what only a whole-folder look can see: every internal
link resolves and every Markdown table has as many cells in each row as in
its header. Problems are reported as "file:line: message".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lms.courses.loader import INDEX, CourseError, load_course, normalise, split_front_matter

_LINK = re.compile(r"(?<!\\)\[[^\]]*\]\(([^)\s]+)\)")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True)
class CheckReport:
    """Counts of a valid course."""

    chapters: int
    lessons: int
    tables: int
    characters: int

    def summary(self) -> str:
        """One line for people: 章、课、表、字."""
        return f"{self.chapters} 章，{self.lessons} 课，{self.tables} 张表，{self.characters} 字"


def check_content(path: Path) -> CheckReport:
    """Check the built course in `path`; return its counts.

    Raises CourseError listing every problem found.
    """
    path = Path(path)
    course = load_course(path)  # raises CourseError on front matter, ids, order
    problems: list[str] = []
    files = [path / INDEX, *(lesson.path for lesson in course.lessons)]
    tables = 0
    for file in files:
        text = file.read_text(encoding="utf-8")
        _, _, body, first_line = split_front_matter(text)
        problems += _broken_links(file, body, first_line)
        found, table_problems = _tables(file, body, first_line)
        tables += found if file.name != INDEX else 0
        problems += table_problems
    if problems:
        raise CourseError(problems)
    characters = sum(len(normalise(lesson.plain_text)) for lesson in course.lessons)
    return CheckReport(len(course.chapters), len(course.lessons), tables, characters)


def _broken_links(file: Path, body: str, first_line: int) -> list[str]:
    problems = []
    for number, line in enumerate(body.split("\n"), start=first_line):
        for target in _LINK.findall(line):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # external or same-page links are not ours to check
            if not (file.parent / target.split("#", 1)[0]).is_file():
                problems.append(f"{file}:{number}: link to {target} does not resolve")
    return problems


def _tables(file: Path, body: str, first_line: int) -> tuple[int, list[str]]:
    """Count tables; report rows whose cell count differs from the header's."""
    problems, count, width = [], 0, None
    for number, line in enumerate(body.split("\n"), start=first_line):
        if not line.startswith("|"):
            width = None
            continue
        cells = len(_CELL_SPLIT.split(line.strip().strip("|")))
        if width is None:
            width, count = cells, count + 1
        elif cells != width:
            problems.append(f"{file}:{number}: table row has {cells} cells, its header {width}")
    return count, problems
