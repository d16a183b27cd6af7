"""Parse the built course in `content/` into frozen dataclasses (pure: no Flask, no DB).

`load_course(path)` reads `index.md` and every `chapter-<n>/<order>-<clause>.md`,
checks the invariants (front matter present and typed, clause ids unique,
lessons numbered 1, 2, … through the course, each in its chapter's folder,
the index agreeing with the files) and returns a `Course`. A broken course
raises `CourseError`, which lists every problem as "file:line: message".

`plain_text(markdown)` strips the Markdown of a lesson back to the guide's
words (editorial notes such as 「原文公式缺失」 are not the guide's and go too);
`quote_in_lesson` matches a quotation against it, ignoring whitespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

INDEX = "index.md"
LESSON_FILE = re.compile(r"^(?P<order>\d{2,})-(?P<clause>[0-9][0-9.]*[a-z]?)\.md$")
CHAPTER_FOLDER = re.compile(r"^chapter-(?P<number>\d+)$")
LESSON_FIELDS = {
    "clause_id": str,
    "title": str,
    "chapter": int,
    "order": int,
    "reading_minutes": int,
    "source_hash": str,
    "subclauses": list,
}
NOTE = re.compile(r"\*「[^」]*」\*")  # an editorial note in the built lessons
_TABLE_RULE = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


class CourseError(ValueError):
    """The content folder is not a valid built course; `problems` lists why."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Lesson:
    """One lesson: a chapter's preamble or a numbered section of the guide."""

    clause_id: str
    title: str
    chapter: int
    chapter_title: str
    order: int
    reading_minutes: int
    source_hash: str
    subclauses: tuple[str, ...]
    body: str  # Markdown, front matter removed
    path: Path

    @cached_property
    def plain_text(self) -> str:
        """The lesson's words without Markdown or editorial notes."""
        return plain_text(self.body)


@dataclass(frozen=True)
class Chapter:
    """A chapter: its number, title and lessons in order (preamble first)."""

    number: int
    title: str
    lessons: tuple[Lesson, ...]


@dataclass(frozen=True)
class Course:
    """The whole course as built from the guide."""

    title: str
    source_hash: str
    chapters: tuple[Chapter, ...]
    path: Path

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        """Every lesson in course order."""
        return tuple(lesson for chapter in self.chapters for lesson in chapter.lessons)

    def lesson(self, clause_id: str) -> Lesson:
        """The lesson holding `clause_id`; a sub-section (7.1.1) resolves to its section.

        Raises KeyError for a clause the course does not have.
        """
        for lesson in self.lessons:
            if clause_id == lesson.clause_id or clause_id in lesson.subclauses:
                return lesson
        raise KeyError(clause_id)


def load_course(path: Path) -> Course:
    """Read and check the built course in folder `path`.

    Raises CourseError listing every problem, each as "file:line: message".
    """
    path = Path(path)
    problems: list[str] = []
    index = _read_index(path, problems)
    lessons = [lesson for file in _lesson_files(path, problems) if (lesson := _read_lesson(file, index, problems))]
    lessons.sort(key=lambda lesson: lesson.order)
    _check_lessons(path, index, lessons, problems)
    if problems:
        raise CourseError(problems)
    chapters = tuple(
        Chapter(number, entry["title"], tuple(lesson for lesson in lessons if lesson.chapter == number))
        for number, entry in index["chapters"].items()
    )
    return Course(title=index["title"], source_hash=index["source_hash"], chapters=chapters, path=path)


def plain_text(markdown: str) -> str:
    """Strip Markdown (headings, lists, bold, tables, escapes) and editorial notes.

    Table cells are joined by a space, blocks by a newline; the words and
    their order are exactly the lesson's.
    """
    lines = []
    for line in markdown.splitlines():
        line = NOTE.sub("", line).strip()
        if not line or _TABLE_RULE.match(line):
            continue
        line = re.sub(r"^(?:>\s*|#{1,6}\s+|-\s+)", "", line)
        if line.startswith("|"):
            line = " ".join(cell.strip() for cell in _CELL_SPLIT.split(line.strip("|")))
        line = re.sub(r"(?<!\\)\*\*", "", line).replace("<br>", "")
        line = re.sub(r"\\(.)", r"\1", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def normalise(text: str) -> str:
    """Text with all whitespace removed, for word-for-word comparison."""
    return re.sub(r"\s+", "", text)


def quote_in_lesson(lesson: Lesson, quote: str) -> bool:
    """Whether `quote` appears word for word in the lesson (whitespace ignored)."""
    return bool(normalise(quote)) and normalise(quote) in normalise(lesson.plain_text)


# --- reading files ---


def split_front_matter(text: str) -> tuple[dict, dict[str, int], str, int]:
    """Split "---\\nYAML\\n---\\nbody" into (fields, line of each field, body, body's first line).

    Raises ValueError (with a line number in its message) when the front
    matter is missing, unterminated or not a YAML mapping.
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ValueError("1: the file does not start with front matter (---)")
    try:
        end = next(number for number, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise ValueError("1: the front matter has no closing ---") from None
    try:
        fields = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValueError(f"{(mark.line + 2) if mark else 1}: front matter is not valid YAML") from None
    if not isinstance(fields, dict):
        raise ValueError("2: front matter must be a mapping")
    field_lines = {}
    for number, line in enumerate(lines[1:end], start=2):
        match = re.match(r"^([A-Za-z_]+):", line)
        if match:
            field_lines.setdefault(match.group(1), number)
    return fields, field_lines, "\n".join(lines[end + 1 :]).lstrip("\n"), end + 2


def course_title(path: Path) -> str:
    """The course's title from its index (``index.md`` front matter); "" when the index is missing or broken.

    Cached per file version, so pages can show it without reading the file each time.
    """
    index_path = Path(path) / INDEX
    try:
        return _course_title(str(index_path), index_path.stat().st_mtime_ns)
    except OSError:
        return ""


@lru_cache(maxsize=8)
def _course_title(index_path: str, _version: int) -> str:
    try:
        fields, _, _, _ = split_front_matter(Path(index_path).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    return str(fields.get("title") or "")


def _read_index(path: Path, problems: list[str]) -> dict:
    index_path = path / INDEX
    if not index_path.is_file():
        problems.append(f"{index_path}:1: the course index is missing (is {path} a built course?)")
        return {"title": "", "source_hash": "", "chapters": {}}
    try:
        fields, lines, _, _ = split_front_matter(index_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(f"{index_path}:{exc}")
        return {"title": "", "source_hash": "", "chapters": {}}
    chapters: dict[int, dict] = {}
    for entry in fields.get("chapters") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("chapter"), int) or not entry.get("title"):
            problems.append(f"{index_path}:{lines.get('chapters', 1)}: a chapter needs chapter, title and lessons")
            continue
        lessons = [str(clause) for clause in entry.get("lessons") or []]
        chapters[entry["chapter"]] = {"title": str(entry["title"]), "lessons": lessons}
    if not fields.get("title") or not chapters:
        problems.append(f"{index_path}:1: the index needs a title and a chapters list")
    return {
        "title": str(fields.get("title") or ""),
        "source_hash": str(fields.get("source_hash") or ""),
        "chapters": chapters,
    }


def _lesson_files(path: Path, problems: list[str]) -> list[Path]:
    files = []
    for folder in sorted(path.glob("chapter-*")):
        if not folder.is_dir() or not CHAPTER_FOLDER.match(folder.name):
            problems.append(f"{folder}:1: not a chapter folder (chapter-<number>)")
            continue
        for file in sorted(folder.iterdir()):
            if file.suffix == ".md" and LESSON_FILE.match(file.name):
                files.append(file)
            else:
                problems.append(f"{file}:1: not a lesson file name (<order>-<clause>.md)")
    return files


def _read_lesson(file: Path, index: dict, problems: list[str]) -> Lesson | None:
    try:
        fields, lines, body, _ = split_front_matter(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(f"{file}:{exc}")
        return None
    wrong = [
        f"{file}:{lines.get(name, 1)}: front matter field {name!r} missing or not {kind.__name__}"
        for name, kind in LESSON_FIELDS.items()
        if not isinstance(fields.get(name), kind) or isinstance(fields.get(name), bool) or fields.get(name) == ""
    ]
    if wrong:
        problems.extend(wrong)
        return None
    chapter = index["chapters"].get(fields["chapter"], {"title": ""})
    return Lesson(
        clause_id=fields["clause_id"],
        title=fields["title"],
        chapter=fields["chapter"],
        chapter_title=chapter["title"],
        order=fields["order"],
        reading_minutes=fields["reading_minutes"],
        source_hash=fields["source_hash"],
        subclauses=tuple(str(clause) for clause in fields["subclauses"]),
        body=body,
        path=file,
    )


def _check_lessons(path: Path, index: dict, lessons: list[Lesson], problems: list[str]) -> None:
    """Unique ids, course order 1…n, folder and file name agree, index agrees."""
    seen: dict[str, Path] = {}
    for expected, lesson in enumerate(lessons, start=1):
        for clause in (lesson.clause_id, *lesson.subclauses):
            if clause in seen:
                problems.append(f"{_at(lesson, 'clause_id')}: clause {clause} also in {seen[clause]}")
            seen[clause] = lesson.path
        if lesson.order != expected:
            problems.append(
                f"{_at(lesson, 'order')}: order {lesson.order}, expected {expected} (1, 2, … in course order)"
            )
        name = LESSON_FILE.match(lesson.path.name)
        if int(name["order"]) != lesson.order or name["clause"] != lesson.clause_id:
            problems.append(f"{_at(lesson, 'order')}: file name does not match order and clause {lesson.clause_id}")
        if lesson.path.parent.name != f"chapter-{lesson.chapter}":
            folder = lesson.path.parent.name
            problems.append(f"{_at(lesson, 'chapter')}: chapter {lesson.chapter} but the file is in {folder}")
    listed = [clause for entry in index["chapters"].values() for clause in entry["lessons"]]
    files = [lesson.clause_id for lesson in lessons]
    if listed and listed != files:
        problems.append(f"{path / INDEX}:1: the index lists lessons {listed} but the files hold {files}")


def _at(lesson: Lesson, field: str) -> str:
    """ "file:line" of a front matter field of `lesson`."""
    return f"{lesson.path}:{_field_line(lesson.path, field)}"


def _field_line(file: Path, name: str) -> int:
    for number, line in enumerate(file.read_text(encoding="utf-8").split("\n"), start=1):
        if line.startswith(f"{name}:"):
            return number
    return 1
