"""Reading the course: outline with progress, lessons, completion, resume, search."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from lms.cases.service import cited_by_published_case
from lms.courses.render import convert, to_simplified
from lms.extensions import db
from lms.models import Lesson, LessonProgress, User, utcnow
from lms.onboarding import facts as onboarding_facts


class LessonRetired(Exception):
    """The lesson is no longer part of the course and cannot be completed."""


@dataclass
class ChapterOutline:
    number: int
    title: str
    lessons: list[Lesson] = field(default_factory=list)


@dataclass
class CourseOutline:
    chapters: list[ChapterOutline]
    completed_ids: set[int]
    total: int

    @property
    def done(self) -> int:
        return len(self.completed_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def active_lessons() -> list[Lesson]:
    """The lessons of the course in order, retired ones left out."""
    return list(db.session.scalars(select(Lesson).where(Lesson.retired_at.is_(None)).order_by(Lesson.position)))


def completed_lesson_ids(user: User) -> set[int]:
    """Ids of the lessons `user` has completed."""
    stmt = select(LessonProgress.lesson_id).where(
        LessonProgress.user_id == user.id, LessonProgress.completed_at.is_not(None)
    )
    return set(db.session.scalars(stmt))


def course_outline(user: User) -> CourseOutline:
    """Chapters with their active lessons, and which of them `user` completed."""
    chapters: dict[int, ChapterOutline] = {}
    lessons = active_lessons()
    for lesson in lessons:
        chapter = chapters.setdefault(lesson.chapter_no, ChapterOutline(lesson.chapter_no, lesson.chapter_title))
        chapter.lessons.append(lesson)
    active_ids = {lesson.id for lesson in lessons}
    return CourseOutline(list(chapters.values()), completed_lesson_ids(user) & active_ids, len(lessons))


def lesson_by_clause(clause_id: str) -> Lesson | None:
    """The lesson (retired or not) for a clause id."""
    return db.session.scalars(select(Lesson).where(Lesson.clause_id == clause_id)).first()


@dataclass(frozen=True)
class LessonLink:
    clause_id: str
    title: str


@dataclass(frozen=True)
class LessonSummary:
    """A lesson without its texts: what a lesson page shows around the cached body."""

    id: int
    clause_id: str
    title: str
    chapter_title: str
    position: int
    reading_minutes: int
    source_hash: str
    retired: bool


@dataclass(frozen=True)
class LessonPage:
    lesson: LessonSummary
    completed: bool
    previous: LessonLink | None
    following: LessonLink | None
    # The reader moved here from another lesson: record_reading should note it.
    moved_here: bool
    # A published case cites this clause (the page then lists them).
    has_cases: bool


def _lesson_page_query():
    """One row: a lesson, its active neighbours, the reader's progress around it, and
    whether a published case cites it.

    Every part is an index seek (clause id, position, the reader's progress
    rows), so the cost does not grow with the course. A window function over
    the course would read every lesson row, texts included, on each view.
    """
    here = Lesson.__table__.alias("here")
    other = Lesson.__table__.alias("other")
    progress = LessonProgress.__table__.alias("progress")
    reader = bindparam("user_id")

    def neighbour(column, before: bool):
        ordering = other.c.position.desc() if before else other.c.position
        nearer = other.c.position < here.c.position if before else other.c.position > here.c.position
        return select(column).where(other.c.retired_at.is_(None), nearer).order_by(ordering).limit(1).scalar_subquery()

    completed_at = (
        select(progress.c.completed_at)
        .where(progress.c.user_id == reader, progress.c.lesson_id == here.c.id)
        .scalar_subquery()
    )
    last_read_lesson_id = (
        select(progress.c.lesson_id)
        .where(progress.c.user_id == reader)
        .order_by(progress.c.last_read_at.desc(), progress.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return select(
        here.c.id,
        here.c.clause_id,
        here.c.title,
        here.c.chapter_title,
        here.c.position,
        here.c.reading_minutes,
        here.c.source_hash,
        here.c.retired_at,
        neighbour(other.c.clause_id, before=True).label("previous_clause"),
        neighbour(other.c.title, before=True).label("previous_title"),
        neighbour(other.c.clause_id, before=False).label("next_clause"),
        neighbour(other.c.title, before=False).label("next_title"),
        completed_at.label("completed_at"),
        last_read_lesson_id.label("last_read_lesson_id"),
        cited_by_published_case(here.c.clause_id).label("has_cases"),
    ).where(here.c.clause_id == bindparam("clause_id"))


# Built once (see _SESSION_USER in lms.auth.service): every lesson view runs it.
_LESSON_PAGE = _lesson_page_query()


def open_lesson(user: User, clause_id: str) -> LessonPage | None:
    """Everything a lesson page needs (reads only, one query); None for an unknown clause.

    A retired lesson still opens (for reference), between the active lessons
    around its old place in the course.
    """
    row = db.session.execute(_LESSON_PAGE, {"clause_id": clause_id, "user_id": user.id}).first()
    if row is None:
        return None
    summary = LessonSummary(
        row.id,
        row.clause_id,
        row.title,
        row.chapter_title,
        row.position,
        row.reading_minutes,
        row.source_hash,
        row.retired_at is not None,
    )
    previous = LessonLink(row.previous_clause, row.previous_title) if row.previous_clause else None
    following = LessonLink(row.next_clause, row.next_title) if row.next_clause else None
    moved_here = not summary.retired and row.last_read_lesson_id != row.id
    return LessonPage(summary, row.completed_at is not None, previous, following, moved_here, bool(row.has_cases))


def lesson_markdown(lesson_id: int) -> str:
    """A lesson's Markdown (loaded only when the render cache misses)."""
    return db.session.scalar(select(Lesson.body_md).where(Lesson.id == lesson_id))


def progress_for(user: User, lesson_id: int) -> LessonProgress | None:
    """The reader's progress row for one lesson, if any."""
    return db.session.scalars(
        select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson_id)
    ).first()


def last_read(user: User) -> LessonProgress | None:
    """The progress row of the lesson `user` opened last (to resume there)."""
    stmt = (
        select(LessonProgress)
        .join(Lesson)
        .where(LessonProgress.user_id == user.id, Lesson.retired_at.is_(None))
        .order_by(LessonProgress.last_read_at.desc(), LessonProgress.id.desc())
        .limit(1)
    )
    return db.session.scalars(stmt).first()


def _progress_row(user: User, lesson_id: int) -> LessonProgress:
    """The progress row, created if missing; safe when two requests race to create it."""
    row = progress_for(user, lesson_id)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = LessonProgress(user_id=user.id, lesson_id=lesson_id)
            db.session.add(row)
    except IntegrityError:
        row = progress_for(user, lesson_id)
    return row


def record_reading(user: User, lesson_id: int) -> None:
    """Note that `user` opened this lesson last, so the course resumes there."""
    _progress_row(user, lesson_id).last_read_at = utcnow()


def mark_complete(user: User, lesson: Lesson) -> bool:
    """Mark `lesson` completed by `user`; False if it already was. Raises LessonRetired."""
    if lesson.retired:
        raise LessonRetired("本节已从课程中停用，无法标记完成。")
    row = _progress_row(user, lesson.id)
    if row.completed_at is not None:
        return False
    row.completed_at = utcnow()
    onboarding_facts.lesson_completed(user, lesson)  # the fact commits with the completion (issue 14)
    return True


@dataclass(frozen=True)
class SearchHit:
    lesson: Lesson
    snippet: Markup
    count: int


def search_lessons(query: str, script: str = "hans", limit: int = 50) -> list[SearchHit]:
    """Lessons whose text contains `query`, with a highlighted snippet in the reader's `script`.

    The course is written in Simplified characters, so a 繁體 query (投訴) is
    converted with OpenCC first and finds what 投诉 finds; the query as typed
    is searched too, in case the conversion changed a character the text keeps.
    The course is a few dozen lessons, so a substring match (LIKE, the same on
    SQLite and PostgreSQL) is exact for words of any length, 回款 and 投诉
    included, and needs no index to be fast.
    """
    typed = query.strip()
    if not typed:
        return []
    needles = list(dict.fromkeys([to_simplified(typed), typed]))
    matches = []
    for needle in needles:
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matches += [Lesson.plain_text.like(pattern, escape="\\"), Lesson.title.like(pattern, escape="\\")]
    stmt = (
        select(Lesson)
        .where(Lesson.retired_at.is_(None), or_(*matches))
        .order_by(Lesson.position)
        .limit(limit)
        .options(undefer(Lesson.plain_text))
    )
    hits = []
    for lesson in db.session.scalars(stmt):
        needle = next((n for n in needles if n in lesson.plain_text), needles[0])
        hits.append(
            SearchHit(
                lesson, highlight_snippet(lesson.plain_text, needle, script=script), lesson.plain_text.count(needle)
            )
        )
    return hits


def highlight_snippet(text: str, needle: str, radius: int = 40, script: str = "hans") -> Markup:
    """Text around the first match in `script`, escaped, with every match wrapped in <mark>.

    The match is found in the Simplified text and each piece converted on its
    own, so the marks stay on the matched words whatever the conversion does.
    """
    at = text.find(needle)
    start = max(0, at - radius) if at >= 0 else 0
    end = min(len(text), (at if at >= 0 else 0) + len(needle) + radius)
    window = text[start:end]
    parts = re.split(f"({re.escape(needle)})", window)
    marked = Markup("").join(
        Markup("<mark>{}</mark>").format(convert(part, script)) if part == needle else escape(convert(part, script))
        for part in parts
    )
    return Markup("…" if start else "") + marked + Markup("…" if end < len(text) else "")
