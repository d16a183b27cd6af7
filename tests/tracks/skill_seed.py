"""Bulk level awards for the team-matrix tests and bench_skills.py: many people, each with real evidence rows.

Not a test module. An award points at its evidence (a level-quiz attempt and
its result, an assessment request and the signed assessment), so each award
here comes with that chain, written as multi-row INSERT … RETURNING (a few
statements per table whatever the count) instead of the services' one
person at a time: the matrix reads only the award, its cell and its
revocation, and the point is to have 2,000 people of them quickly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from lms.models import (
    AttemptResult,
    Exam,
    ExamAttempt,
    SkillAssessment,
    SkillAssessmentRequest,
    SkillCell,
    SkillLevelAward,
    SkillLevelRevocation,
    User,
    UserRole,
)
from lms.models.exams import ExamKind
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS

HASH = hashlib.sha256(b"seed").hexdigest()
WHEN = datetime(2026, 6, 1, 2, 0)
RUBRIC = {"scale": [1, 4], "pass_threshold": "2.5", "criteria": []}


@dataclass(frozen=True)
class Grant:
    """One level to award: a person, a cell key ("communication/basic") and the day it was achieved."""

    user_id: int
    cell: str
    achieved_on: date = date(2026, 6, 1)


def ensure_cells(session) -> dict[str, SkillCell]:
    """The 15 cells by key: the synced ones, or (in a bare test database) minimal ones with their quiz exams."""
    cells = {cell.key: cell for cell in session.scalars(select(SkillCell))}
    if cells:
        return cells
    for position, (dimension, level) in enumerate((d, lv) for d in SKILL_DIMENSIONS for lv in SKILL_LEVELS):
        key = f"{dimension}/{level}"
        exam = Exam(
            key=f"skill-{dimension}-{level}"[:32],
            kind=ExamKind.LEVEL_QUIZ.value,
            title=f"{key} 等级测验",
            quarter="",
            opens_at=datetime(2026, 1, 1),
            closes_at=datetime(2036, 1, 1),
            time_limit_minutes=15,
            definition_hash=HASH,
        )
        session.add(exam)
        session.flush()
        cell = SkillCell(
            key=key,
            dimension=dimension,
            level=level,
            position=position,
            clause="5.2",
            descriptor=f"{key} 描述",
            lessons=["5.2"],
            quiz={"pass_mark": "80", "questions": 5},
            assessment={"scenario": "role_play", "task": "演练", "rubric": RUBRIC},
            prerequisite_key=None,
            exam_id=exam.id,
            definition_hash=HASH,
            tracks_hash=HASH,
        )
        session.add(cell)
        cells[key] = cell
    session.flush()
    return cells


def _insert(session, model, rows: list[dict]) -> list[int]:
    """Insert `rows` into `model`'s table; their new ids in the same order."""
    if not rows:
        return []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


def grant_levels(session, grants: list[Grant], assessor_id: int) -> list[int]:
    """Award every grant with its evidence chain, signed by `assessor_id`; the award ids, in order. Flushes only."""
    cells = ensure_cells(session)
    chosen = [cells[grant.cell] for grant in grants]
    numbers = _next_attempt_numbers(session, grants, chosen)
    sequences = _next_award_sequences(session, grants, chosen)
    attempt_ids = _insert(
        session,
        ExamAttempt,
        [
            {
                "exam_id": cell.exam_id,
                "user_id": grant.user_id,
                "number": number,
                "status": "finished",
                "started_at": WHEN,
                "deadline_at": WHEN + timedelta(minutes=15),
                "finished_at": WHEN + timedelta(minutes=10),
                "finish_reason": "submitted",
            }
            for grant, cell, number in zip(grants, chosen, numbers, strict=True)
        ],
    )
    result_ids = _insert(
        session,
        AttemptResult,
        [
            {
                "attempt_id": attempt_id,
                "exam_id": cell.exam_id,
                "user_id": grant.user_id,
                "score": Decimal(100),
                "points_awarded": Decimal(100),
                "points_possible": Decimal(100),
                "passed": True,
                "breakdown": {},
                "items": [],
                "reason": "submitted",
                "graded_at": WHEN,
            }
            for grant, cell, attempt_id in zip(grants, chosen, attempt_ids, strict=True)
        ],
    )
    request_ids = _insert(
        session,
        SkillAssessmentRequest,
        [
            {
                "user_id": grant.user_id,
                "cell_id": cell.id,
                "assessor_id": assessor_id,
                "status": "assessed",
                "note": "",
                "requested_at": WHEN,
                "closed_at": WHEN,
            }
            for grant, cell in zip(grants, chosen, strict=True)
        ],
    )
    assessment_ids = _insert(
        session,
        SkillAssessment,
        [
            {
                "request_id": request_id,
                "user_id": grant.user_id,
                "cell_id": cell.id,
                "signed_by_id": assessor_id,
                "assessed_on": grant.achieved_on,
                "scenario": "role_play",
                "scenario_detail": "演练",
                "scores": {},
                "rubric": RUBRIC,
                "weighted": Decimal("3.000"),
                "passed": True,
                "evidence_md": "",
                "evidence_html": "",
                "cell_hash": HASH,
                "signed_at": WHEN,
            }
            for grant, cell, request_id in zip(grants, chosen, request_ids, strict=True)
        ],
    )
    return _insert(
        session,
        SkillLevelAward,
        [
            {
                "user_id": grant.user_id,
                "cell_id": cell.id,
                "sequence": sequence,
                "achieved_on": grant.achieved_on,
                "achieved_at": WHEN,
                "quiz_attempt_id": attempt_id,
                "quiz_result_id": result_id,
                "quiz_score": Decimal(100),
                "assessment_id": assessment_id,
                "lessons": ["5.2"],
                "cell_hash": HASH,
                "tracks_hash": HASH,
            }
            for grant, cell, attempt_id, result_id, assessment_id, sequence in zip(
                grants, chosen, attempt_ids, result_ids, assessment_ids, sequences, strict=True
            )
        ],
    )


def _next_attempt_numbers(session, grants: list[Grant], cells: list[SkillCell]) -> list[int]:
    """Attempt numbers that keep (exam, user, number) unique, after whatever attempts already exist."""
    existing = {
        (exam_id, user_id): number
        for exam_id, user_id, number in session.execute(
            select(ExamAttempt.exam_id, ExamAttempt.user_id, ExamAttempt.number)
        )
    }
    numbers = []
    for grant, cell in zip(grants, cells, strict=True):
        key = (cell.exam_id, grant.user_id)
        existing[key] = existing.get(key, 0) + 1
        numbers.append(existing[key])
    return numbers


def _next_award_sequences(session, grants: list[Grant], cells: list[SkillCell]) -> list[int]:
    """Award sequences that keep (user, cell, sequence) unique: 2 for an award after a revoked one."""
    latest = select(SkillLevelAward.user_id, SkillLevelAward.cell_id, func.max(SkillLevelAward.sequence)).group_by(
        SkillLevelAward.user_id, SkillLevelAward.cell_id
    )
    existing = {(user_id, cell_id): sequence for user_id, cell_id, sequence in session.execute(latest)}
    sequences = []
    for grant, cell in zip(grants, cells, strict=True):
        key = (grant.user_id, cell.id)
        existing[key] = existing.get(key, 0) + 1
        sequences.append(existing[key])
    return sequences


def revoke(session, award_id: int, hr_id: int, reason: str = "测试撤销") -> None:
    """HR's revocation of one award (the award row stays as it was)."""
    session.add(
        SkillLevelRevocation(award_id=award_id, reason=reason, revoked_by_id=hr_id, revoked_on=date(2026, 7, 1))
    )
    session.flush()


def levels_up_to(user_id: int, dimension: str, level: str, achieved_on: date = date(2026, 6, 1)) -> list[Grant]:
    """Grants for `level` and every level below it in `dimension` (as a person climbs a track)."""
    levels = list(SKILL_LEVELS)
    return [Grant(user_id, f"{dimension}/{lv}", achieved_on) for lv in levels[: levels.index(level) + 1]]


def seed_reps(session, count: int, manager_id: int, start: int = 1, team_size: int = 10) -> list[int]:
    """`count` active reps managed by `manager_id`, in teams of `team_size` ("T001"…); their ids. Flushes only."""
    ids = _insert(
        session,
        User,
        [
            {
                "employee_no": f"R{number:05d}",
                "name": f"销售{number}",
                "email": f"r{number}@seed.example.com",
                "team": f"T{(number - 1) // team_size + 1:03d}",
                "manager_id": manager_id,
                "active": True,
            }
            for number in range(start, start + count)
        ],
    )
    session.execute(insert(UserRole), [{"user_id": user_id, "role": "rep"} for user_id in ids])
    return ids


def spread_of_levels(user_ids: list[int]) -> list[Grant]:
    """A fixed mix of levels for `user_ids`: person i climbs dimension i mod 5 to a level by i mod 4 (some none)."""
    dimensions, levels = list(SKILL_DIMENSIONS), list(SKILL_LEVELS)
    grants = []
    for index, user_id in enumerate(user_ids):
        reached = index % 4  # 0: nothing yet
        if reached:
            grants += levels_up_to(user_id, dimensions[index % 5], levels[reached - 1])
        if index % 3 == 0:
            grants.append(Grant(user_id, f"{dimensions[(index + 1) % 5]}/basic"))
    return grants
