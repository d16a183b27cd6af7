"""Write the loaded skill tracks into the database: one `SkillCell` per cell and its level quiz as an `Exam`.

Runs on the shared upsert-and-retire routine (lms.sync): cells are keyed by
"communication/basic", unchanged ones (same definition hash) are skipped, cells
that left the file are retired, never deleted. Each cell's level quiz is an
`Exam` of kind "level_quiz", always open, whose key ("lq:communication/basic")
no quarterly exam can take (exam keys have no ":" or "/"), so neither sync
touches the other's rows and no exam URL reaches a level quiz.

Achieved levels are never touched here: an award keeps the cell hash and
requirements it was earned under (lms.tracks.service), so a later change to
the file takes nothing away. Flushes, never commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import ROLES, Exam, ExamKind, SkillCell
from lms.sync import SyncReport, Upsert, retired_at_marks, upsert_and_retire
from lms.tracks.loader import Cell, Tracks

QUIZ_KEY_PREFIX = "lq:"
# "Always open": a window wider than any installation's life. deadline_for takes min(start + limit, close).
QUIZ_OPENS_AT = datetime(2000, 1, 1)
QUIZ_CLOSES_AT = datetime(2999, 12, 31)
QUIZ_GRACE_SECONDS = 30
# The exam engine's own limit is never what stops a level quiz: rounds and cooldowns are the
# tracks' rule (lms.tracks.service.quiz_status), checked before every start.
QUIZ_ATTEMPTS_CEILING = 100_000


def quiz_key(cell_key: str) -> str:
    """The level quiz's exam key for a cell: "lq:communication/basic"."""
    return QUIZ_KEY_PREFIX + cell_key


def cell_hash(cell: Cell) -> str:
    """SHA-256 over everything the cell defines (not where in the file it is written)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("file", "line", "lines", "draw_lines")}
        if isinstance(value, list | tuple):
            return [strip(v) for v in value]
        return str(value) if isinstance(value, Decimal) else value

    data = json.dumps(strip(asdict(cell)), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def quiz_data(cell: Cell) -> dict:
    """The quiz settings a cell row keeps (JSON-ready)."""
    quiz = cell.quiz
    return {
        "pass_mark": str(quiz.pass_mark),
        "attempts": quiz.attempts,
        "cooldown_days": quiz.cooldown_days,
        "time_limit_minutes": quiz.time_limit_minutes,
        "questions": quiz.question_count,
    }


def assessment_data(cell: Cell) -> dict:
    """The practical assessment a cell row keeps (JSON-ready): scenario, task and the whole rubric."""
    rubric = cell.assessment.rubric
    return {
        "scenario": cell.assessment.scenario,
        "task": cell.assessment.task,
        "rubric": {
            "scale": [rubric.scale_min, rubric.scale_max],
            "pass_threshold": str(rubric.pass_threshold),
            "criteria": [
                {
                    "key": c.key,
                    "name": c.name,
                    "weight": str(c.weight),
                    "scores": [[score, text] for score, text in c.descriptors],
                }
                for c in rubric.criteria
            ],
        },
    }


def _blueprint(cell: Cell) -> list[dict]:
    """The quiz draws in the exam blueprint's JSON form (as ExamDefinition.blueprint writes it)."""
    return [
        {
            k: (str(v) if isinstance(v, Decimal) else list(v) if isinstance(v, tuple) else v)
            for k, v in asdict(draw).items()
            if v not in (None, ())
        }
        for draw in cell.quiz.draws
    ]


def sync_tracks(tracks: Tracks, dry_run: bool = False) -> SyncReport:
    """Upsert the cells of `tracks` and their level quizzes; retire cells (and quizzes) no longer defined."""
    now = clock.now()
    existing = {row.key: row for row in db.session.scalars(select(SkillCell))}
    exams = {exam.key: exam for exam in db.session.scalars(select(Exam).where(Exam.kind == ExamKind.LEVEL_QUIZ))}
    positions = {cell.key: index for index, cell in enumerate(tracks.cells, start=1)}
    tracks_hash = tracks.content_hash

    def create(key: str, cell: Cell) -> None:
        row = SkillCell(key=key, created_at=now)
        db.session.add(row)
        write(row, cell)

    def write(row: SkillCell, cell: Cell) -> None:
        row.dimension, row.level, row.position = cell.dimension, cell.level, positions[cell.key]
        row.clause, row.descriptor, row.lessons = cell.clause, cell.descriptor, list(cell.lessons)
        row.quiz, row.assessment = quiz_data(cell), assessment_data(cell)
        row.prerequisite_key = cell.prerequisite
        row.definition_hash, row.tracks_hash, row.updated_at = cell_hash(cell), tracks_hash, now
        row.exam = _write_quiz(exams.get(quiz_key(cell.key)), cell, now)

    def keep(row: SkillCell, cell: Cell) -> None:
        # Unchanged cell, maybe elsewhere in a changed file: its place and the file's hash follow.
        row.position, row.tracks_hash = positions[cell.key], tracks_hash

    def retire(row: SkillCell) -> None:
        row.retired_at = now
        if row.exam is not None:
            row.exam.retired_at = now

    how = Upsert(
        unchanged=lambda row, cell: row.definition_hash == cell_hash(cell),
        create=create,
        update=write,
        keep=keep,
        **{**retired_at_marks(now), "retire": retire},
    )
    report = upsert_and_retire(existing, ((c.key, c) for c in tracks.cells), how, SyncReport(noun="格"), dry_run)
    db.session.flush()
    return report


def _write_quiz(exam: Exam | None, cell: Cell, now: datetime) -> Exam:
    """Create or update the cell's level quiz exam (papers already drawn stay as they are)."""
    if exam is None:
        exam = Exam(key=quiz_key(cell.key), kind=ExamKind.LEVEL_QUIZ.value, created_at=now)
        db.session.add(exam)
    quiz = cell.quiz
    exam.title = f"{cell.label} 等级测验"
    exam.quarter = ""
    exam.opens_at, exam.closes_at = QUIZ_OPENS_AT, QUIZ_CLOSES_AT
    exam.time_limit_minutes, exam.grace_seconds = quiz.time_limit_minutes, QUIZ_GRACE_SECONDS
    exam.attempts_allowed, exam.pass_mark, exam.partial_credit = QUIZ_ATTEMPTS_CEILING, quiz.pass_mark, False
    exam.shuffle_questions = exam.shuffle_options = True
    # Score only: the next round draws from the same questions, so answers are not shown.
    exam.review_policy = "score_only"
    exam.audience = {"roles": list(ROLES), "teams": []}
    exam.blueprint = _blueprint(cell)
    exam.source_file = "tracks.yaml"
    exam.definition_hash = cell_hash(cell)
    exam.updated_at, exam.retired_at = now, None
    return exam
