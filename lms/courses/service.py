"""Reading the course: outline with progress, lessons, completion, resume, search."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from lms.extensions import db
from lms.models import Lesson, LessonProgress, User, utcnow


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


# Built once (see _SESSION_USER in lms.auth.service): the lesson page runs it on every view.
_COURSE_ROWS = select(
    Lesson.id, Lesson.clause_id, Lesson.title, Lesson.chapter_title, Lesson.position,
    Lesson.reading_minutes, Lesson.source_hash, Lesson.retired_at,
).order_by(Lesson.position)
_PROGRESS_ROWS = select(
    LessonProgress.id, LessonProgress.lesson_id, LessonProgress.last_read_at, LessonProgress.completed_at
).where(LessonProgress.user_id == bindparam("user_id"))


def _active_with_neighbours():
    ordered = (
        select(
            Lesson.id, Lesson.clause_id, Lesson.title, Lesson.chapter_title, Lesson.position,
            Lesson.reading_minutes, Lesson.source_hash, Lesson.retired_at,
            func.lag(Lesson.clause_id).over(order_by=Lesson.position).label("previous_clause"),
            func.lag(Lesson.title).over(order_by=Lesson.position).label("previous_title"),
            func.lead(Lesson.clause_id).over(order_by=Lesson.position).label("next_clause"),
            func.lead(Lesson.title).over(order_by=Lesson.position).label("next_title"),
        )
        .where(Lesson.retired_at.is_(None))
        .subquery()
    )
    return select(ordered).where(ordered.c.clause_id == bindparam("clause_id"))


# One row: an active lesson with its previous and next active lessons.
_ACTIVE_WITH_NEIGHBOURS = _active_with_neighbours()


def _course_rows():
    """Every lesson's summary in course order, in one light query (no texts)."""
    return db.session.execute(_COURSE_ROWS).all()


def neighbours(position: int) -> tuple[LessonLink | None, LessonLink | None]:
    """The previous and next active lessons around a course position."""
    active = [row for row in _course_rows() if row.retired_at is None]
    return _around(active, position)


def _around(active_rows, position: int) -> tuple[LessonLink | None, LessonLink | None]:
    before = [LessonLink(row.clause_id, row.title) for row in active_rows if row.position < position]
    after = [LessonLink(row.clause_id, row.title) for row in active_rows if row.position > position]
    return (before[-1] if before else None), (after[0] if after else None)


def open_lesson(user: User, clause_id: str) -> LessonPage | None:
    """Everything a lesson page needs (reads only); None for an unknown clause.

    Two small queries whatever the course size: the lesson with its
    neighbours, and the reader's progress rows.
    """
    row = db.session.execute(_ACTIVE_WITH_NEIGHBOURS, {"clause_id": clause_id}).first()
    if row is not None:
        previous = LessonLink(row.previous_clause, row.previous_title) if row.previous_clause else None
        following = LessonLink(row.next_clause, row.next_title) if row.next_clause else None
    else:  # a retired lesson (or none): the rare path reads the whole outline
        rows = _course_rows()
        row = next((row for row in rows if row.clause_id == clause_id), None)
        if row is None:
            return None
        previous, following = _around([r for r in rows if r.retired_at is None], row.position)
    summary = LessonSummary(
        row.id, row.clause_id, row.title, row.chapter_title, row.position,
        row.reading_minutes, row.source_hash, row.retired_at is not None,
    )
    progress = db.session.execute(_PROGRESS_ROWS, {"user_id": user.id}).all()
    current = next((item for item in progress if item.lesson_id == summary.id), None)
    latest = max(progress, key=lambda item: (item.last_read_at, item.id), default=None)
    moved_here = not summary.retired and (latest is None or latest is not current)
    return LessonPage(summary, bool(current and current.completed_at), previous, following, moved_here)


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
    return True


@dataclass(frozen=True)
class SearchHit:
    lesson: Lesson
    snippet: Markup
    count: int


def search_lessons(query: str, limit: int = 50) -> list[SearchHit]:
    """Lessons whose text contains `query`, with a highlighted snippet.

    The course is a few dozen lessons, so a substring match (LIKE, the same on
    SQLite and PostgreSQL) is exact for words of any length, 回款 and 投诉
    included, and needs no index to be fast.
    """
    needle = query.strip()
    if not needle:
        return []
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        select(Lesson)
        .where(Lesson.retired_at.is_(None), (Lesson.plain_text.like(pattern, escape="\\")) | Lesson.title.like(pattern, escape="\\"))
        .order_by(Lesson.position)
        .limit(limit)
        .options(undefer(Lesson.plain_text))
    )
    return [SearchHit(lesson, highlight_snippet(lesson.plain_text, needle), lesson.plain_text.count(needle)) for lesson in db.session.scalars(stmt)]


def highlight_snippet(text: str, needle: str, radius: int = 40) -> Markup:
    """Text around the first match, escaped, with every match wrapped in <mark>."""
    at = text.find(needle)
    start = max(0, at - radius) if at >= 0 else 0
    end = min(len(text), (at if at >= 0 else 0) + len(needle) + radius)
    window = text[start:end]
    parts = re.split(f"({re.escape(needle)})", window)
    marked = Markup("").join(Markup("<mark>{}</mark>").format(part) if part == needle else escape(part) for part in parts)
    return Markup("…" if start else "") + marked + Markup("…" if end < len(text) else "")
