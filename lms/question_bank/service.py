"""The bank browser's queries, and a question as a rep would see it.

`rep_view` builds the rep's side of a preview from the question's stem and
option texts only: no correctness flag, weight or accepted answer ever
reaches the template that renders it, so the preview cannot leak answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import Select, select

from lms import question_types
from lms.extensions import db
from lms.markdown import render_user_markdown
from lms.models import Question
from lms.question_types import RepOption

BLANK = "____"


@dataclass(frozen=True)
class QuestionFilter:
    """The browser's filters; empty strings mean "any"."""

    clause: str = ""
    type: str = ""
    dimension: str = ""
    level: str = ""
    stale: str = ""  # "yes" | "no" | ""
    status: str = "active"  # "active" | "retired" | "all"


@dataclass(frozen=True)
class RepQuestion:
    """What a rep sees of a question: stem, type, options (shuffled or not by the exam) and unit."""

    key: str
    type: str
    type_label: str
    stem_html: Markup
    options: tuple[RepOption, ...]
    unit: str
    points: str


def list_questions(filters: QuestionFilter) -> Select:
    """A select() of questions for the browser, filtered, in chapter/clause/bank order."""
    stmt = select(Question).order_by(Question.chapter, Question.clause, Question.bank_id, Question.position)
    for column, value in (
        (Question.clause, filters.clause),
        (Question.type, filters.type),
        (Question.dimension, filters.dimension),
        (Question.level, filters.level),
    ):
        if value:
            stmt = stmt.where(column == value)
    if filters.stale in ("yes", "no"):
        stmt = stmt.where(Question.stale.is_(filters.stale == "yes"))
    if filters.status == "active":
        stmt = stmt.where(Question.retired_at.is_(None))
    elif filters.status == "retired":
        stmt = stmt.where(Question.retired_at.is_not(None))
    return stmt


def clause_ids() -> list[str]:
    """Every clause cited by a question, in guide order (1.1 < 1.2 < 1.10), for the filter."""
    clauses = db.session.scalars(select(Question.clause).distinct())
    return sorted(
        clauses, key=lambda clause: [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", clause)]
    )


def get_question(key: str) -> Question | None:
    """The question with bank id `key`, retired ones included."""
    return db.session.scalars(select(Question).where(Question.key == key)).first()


def render_stem(question: Question) -> Markup:
    """The stem as HTML: Markdown or HTML through the sanitiser, plain text escaped."""
    if question.text_format == "plain":
        return Markup("<p>") + escape(question.stem).replace("\n", Markup("<br>")) + Markup("</p>")
    return render_user_markdown(question.stem)


def rep_view(question: Question) -> RepQuestion:
    """The question as a rep would see it in an exam (options in bank order), without any answer information."""
    kind = question_types.get(question.type)
    return RepQuestion(
        key=question.key,
        type=question.type,
        type_label=kind.label,
        stem_html=render_stem(question),
        options=kind.rep_options({choice.key: choice.text for choice in question.active_choices}),
        unit=kind.rep_unit(question.answer),
        points=format(question.points.normalize(), "f"),
    )
