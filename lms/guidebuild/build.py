"""Build the course from the guide and swap it into place.

`render_course` is pure: guide and hint files in, a mapping of relative
paths to file contents out. `build_course` writes that mapping to a fresh
temporary folder beside the output and only then swaps it in, so the
existing `content/` is untouched when anything fails.

Layout of the output:

    index.md                  course title, chapters and lessons in order
    chapter-<n>/<order>-<clause>.md   one lesson, YAML front matter first
    source/                   the guide copy and the reviewed hint files used
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lms.guidebuild.clean import clean_guide
from lms.guidebuild.errata import load_errata
from lms.guidebuild.errors import GuideError
from lms.guidebuild.render import escape, render_part
from lms.guidebuild.source import guide_body, read_source
from lms.guidebuild.structure import Part, load_outline, split_guide
from lms.guidebuild.tables import load_tables, tables_by_clause

HINT_FILES = ("errata.yaml", "tables.yaml", "structure.yaml")
SOURCE_COPY = "guide.txt"
READING_SPEED = 300  # characters a minute: a careful first reading of rules


@dataclass
class Lesson:
    """A lesson being built: its parts (section, then its sub-sections)."""

    chapter: int
    order: int
    parts: list[Part] = field(default_factory=list)

    @property
    def clause(self) -> str:
        return self.parts[0].heading.clause

    @property
    def path(self) -> str:
        return f"chapter-{self.chapter}/{self.order:02d}-{self.clause}.md"

    @property
    def source_text(self) -> str:
        """The cleaned guide text this lesson is cut from, headings included."""
        return "".join(part.heading.text + part.text for part in self.parts)


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote: where, and how much."""

    out: Path
    chapters: int
    lessons: int
    tables: int
    errata: int


def render_course(source_path: Path, hints_dir: Path) -> dict[str, bytes]:
    """Return every output file (relative path -> bytes) for the guide.

    Raises GuideError, naming the place, on any problem with the guide or
    the hint files.
    """
    source = read_source(source_path)
    hints = {name: Path(hints_dir) / name for name in HINT_FILES}
    text = clean_guide(guide_body(source), load_errata(hints["errata.yaml"]), hints["errata.yaml"])
    outline = load_outline(hints["structure.yaml"])
    lessons = group_lessons(split_guide(text, outline, hints["structure.yaml"]))
    tables = tables_by_clause(load_tables(hints["tables.yaml"]))
    _refuse_unused(lessons, tables, outline.lessons, hints)
    files = {lesson.path: render_lesson(lesson, outline.lessons, tables, hints).encode("utf-8") for lesson in lessons}
    files["index.md"] = render_index(outline.title, lessons, source.sha256).encode("utf-8")
    files[f"source/{SOURCE_COPY}"] = source_path.read_bytes()
    files.update({f"source/{name}": path.read_bytes() for name, path in hints.items()})
    return files


def group_lessons(parts: list[Part]) -> list[Lesson]:
    """One lesson per chapter preamble and per section; sub-sections join their section."""
    lessons: list[Lesson] = []
    chapter = 0
    for part in parts:
        depth = part.heading.depth
        if depth == 1:
            chapter += 1
        if depth <= 2:
            # `order` runs through the whole course (1, 2, …) so that "previous"
            # and "next" lesson cross chapter boundaries without extra keys.
            lessons.append(Lesson(chapter=chapter, order=len(lessons) + 1))
        elif not lessons or lessons[-1].parts[0].heading.depth != 2:
            raise GuideError(f"sub-section {part.heading.clause} is not inside a section")
        lessons[-1].parts.append(part)
    return lessons


def render_lesson(lesson: Lesson, lesson_hints: dict, tables: dict, hints: dict) -> str:
    """The lesson file: front matter, then its heading and body."""
    where = str(hints["structure.yaml"])
    blocks: list[str] = []
    for part in lesson.parts:
        heading = part.heading
        level = "#" if part is lesson.parts[0] else "##"
        separator = "" if heading.number.endswith("、") else " "
        blocks.append(f"{level} {heading.number}{separator}{escape(heading.title)}")
        part_tables = tables.get(heading.clause, [])
        blocks += render_part(part.text, lesson_hints.get(heading.clause) or [], part_tables, where)
    body = "\n\n".join(blocks) + "\n"
    return _front_matter(lesson, body) + body


def render_index(title: str, lessons: list[Lesson], source_hash: str) -> str:
    """The course index: front matter listing chapters and lessons, and links."""
    chapters: dict[int, list[Lesson]] = {}
    for lesson in lessons:
        chapters.setdefault(lesson.chapter, []).append(lesson)
    meta = [f"title: {_quote(title)}", f"source_hash: {source_hash}", "chapters:"]
    body = [f"# {escape(title)}"]
    for number, members in chapters.items():
        preamble = members[0].parts[0].heading
        clauses = ", ".join(_quote(member.clause) for member in members)
        meta += [f"  - chapter: {number}", f"    title: {_quote(preamble.title)}", f"    lessons: [{clauses}]"]
        body.append(f"## {preamble.number}{escape(preamble.title)}")
        body.append("\n".join(f"- [{_link_text(member)}]({member.path})" for member in members))
    return "---\n" + "\n".join(meta) + "\n---\n\n" + "\n\n".join(body) + "\n"


def build_course(source_path: Path, out_dir: Path, hints_dir: Path | None = None) -> BuildReport:
    """Build the course into `out_dir`, replacing it only if the build succeeds.

    The hint files are read from `hints_dir`, by default the folder of the
    source. Raises GuideError on bad input; `out_dir` is then untouched.
    """
    source_path = Path(source_path)
    files = render_course(source_path, Path(hints_dir) if hints_dir else source_path.parent)
    out_dir = Path(out_dir)
    _swap_in(out_dir, files)
    lessons = [path for path in files if path.startswith("chapter-")]
    return BuildReport(
        out=out_dir,
        chapters=len({path.split("/")[0] for path in lessons}),
        lessons=len(lessons),
        tables=sum(content.count(b"\n| ---") for path, content in files.items() if path in lessons),
        errata=len(load_errata(out_dir / "source" / "errata.yaml")),
    )


def _swap_in(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write `files` to a temporary sibling of `out_dir`, then swap the folders."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.build-", dir=out_dir.parent))
    staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private (0700); the course is meant to be read
    try:
        _keep_unmanaged(out_dir, staging)
        for relative, content in sorted(files.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    retired = out_dir.with_name(staging.name + "-old")
    if out_dir.exists():
        os.rename(out_dir, retired)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        if retired.exists():
            os.rename(retired, out_dir)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _keep_unmanaged(out_dir: Path, staging: Path) -> None:
    """Carry over files in `out_dir` that the build does not manage."""
    if not out_dir.is_dir():
        return
    for entry in sorted(out_dir.iterdir()):
        if entry.name in ("index.md", "source") or entry.name.startswith("chapter-"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, staging / entry.name)
        else:
            shutil.copy2(entry, staging / entry.name)


def _front_matter(lesson: Lesson, body: str) -> str:
    first = lesson.parts[0].heading
    subclauses = ", ".join(_quote(part.heading.clause) for part in lesson.parts[1:])
    minutes = max(1, math.ceil(len(lesson.source_text) / READING_SPEED))
    # The hash covers the built body, not only the guide text it comes from:
    # a sync must also pick up a lesson whose structure (hints) changed.
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return (
        "---\n"
        f"clause_id: {_quote(lesson.clause)}\n"
        f"title: {_quote(first.title)}\n"
        f"chapter: {lesson.chapter}\n"
        f"order: {lesson.order}\n"
        f"reading_minutes: {minutes}\n"
        f"source_hash: {digest}\n"
        f"subclauses: [{subclauses}]\n"
        "---\n\n"
    )


def _link_text(lesson: Lesson) -> str:
    heading = lesson.parts[0].heading
    separator = "" if heading.depth == 1 else " "
    return escape(f"{heading.number}{separator}{heading.title}")


def _quote(value: str) -> str:
    """A YAML double-quoted string (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _refuse_unused(lessons: list[Lesson], tables: dict, lesson_hints: dict, hints: dict) -> None:
    """A table or hint for a clause the outline does not have is a stale hint."""
    clauses = {part.heading.clause for lesson in lessons for part in lesson.parts}
    for clause, clause_tables in tables.items():
        if clause not in clauses:
            raise GuideError(f"{hints['tables.yaml']}:{clause_tables[0].line}: no clause {clause} in the outline")
    for clause in lesson_hints:
        if clause not in clauses:
            raise GuideError(f"{hints['structure.yaml']}: lessons has hints for unknown clause {clause}")
