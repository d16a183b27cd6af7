"""Skill tracks (guide 5.2): synced cells, practical assessments, achieved levels and their revocations.

Design notes:
- `SkillCell` is the synced copy of one cell of `content/tracks.yaml` (natural key
  "communication/basic"); its level quiz is an `Exam` row of kind "level_quiz"
  (`exam_id`), so quizzes run on the exam engine with all its integrity.
- An assessment request has at most one open row per person and cell (a partial
  unique index); an `SkillAssessment` is unique per request, and the request leaves
  "open" by a conditional UPDATE, so two assessors signing at once give one assessment.
- Achievements are facts: a `SkillLevelAward` is never updated. It keeps the cell's
  definition hash and the requirements it was earned under, so a later change to the
  track file never takes a level away. HR's revocation is a `SkillLevelRevocation`
  row of its own (one per award); a person's current level of a cell is their latest
  award without a revocation. `(user, cell, sequence)` is unique, so two simultaneous
  completions give one award.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.exams import Exam
from lms.models.users import User, utcnow


class RequestStatus(StrEnum):
    """Where an assessment request stands: waiting for its assessor, assessed (signed), or withdrawn."""

    OPEN = "open"
    ASSESSED = "assessed"
    WITHDRAWN = "withdrawn"


class SkillCell(db.Model):
    """One cell of the tracks file: a dimension at a level, with its requirements as last synced."""

    __tablename__ = "skill_cell"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)  # "communication/basic"
    dimension: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)  # order in the file (the guide's order)
    clause: Mapped[str] = mapped_column(String(16))
    descriptor: Mapped[str] = mapped_column(Text)
    lessons: Mapped[list] = mapped_column(JSON, default=list)  # clause ids to read
    # {"pass_mark": "80", "attempts": 2, "cooldown_days": 7, "time_limit_minutes": 15, "questions": 5}
    quiz: Mapped[dict] = mapped_column(JSON, default=dict)
    # {"scenario", "task", "rubric": {"scale": [1, 4], "pass_threshold": "3", "criteria": [{key, name, weight, …}]}}
    assessment: Mapped[dict] = mapped_column(JSON, default=dict)
    prerequisite_key: Mapped[str | None] = mapped_column(String(32))
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exam.id", ondelete="RESTRICT"))
    definition_hash: Mapped[str] = mapped_column(String(64))
    tracks_hash: Mapped[str] = mapped_column(String(64))  # the whole file's hash when last written
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    exam: Mapped[Exam | None] = relationship()

    def __repr__(self) -> str:
        return f"<SkillCell {self.key}>"


class SkillAssessmentRequest(db.Model):
    """A rep's request for a practical assessment of one cell, addressed to one assessor."""

    __tablename__ = "skill_assessment_request"
    __table_args__ = (
        # One open request per person and cell; assessed and withdrawn ones stay as history.
        Index(
            "uq_skill_assessment_request_open",
            "user_id",
            "cell_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_skill_assessment_request_assessor_id_status", "assessor_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("skill_cell.id", ondelete="RESTRICT"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))  # HR, if HR chose
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.OPEN.value)
    note: Mapped[str] = mapped_column(String(500), default="")
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
    cell: Mapped[SkillCell] = relationship()
    assessment: Mapped[SkillAssessment | None] = relationship(back_populates="request", uselist=False)


class SkillAssessment(db.Model):
    """A signed practical assessment: scenario run, score and comment per criterion, result, evidence.

    Never updated once written. `rubric` is the rubric as it stood when scored, so
    the result stays explainable after the track file changes.
    """

    __tablename__ = "skill_assessment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("skill_assessment_request.id", ondelete="RESTRICT"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("skill_cell.id", ondelete="RESTRICT"), index=True)
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)  # company-local date the assessment took place
    scenario: Mapped[str] = mapped_column(String(32))  # a lms.tracks.loader.SCENARIO_TYPES key
    scenario_detail: Mapped[str] = mapped_column(Text)  # what was actually run
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion key -> {"score": int, "comment": str}
    rubric: Mapped[dict] = mapped_column(JSON, default=dict)
    weighted: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    passed: Mapped[bool] = mapped_column(Boolean)
    evidence_md: Mapped[str] = mapped_column(Text, default="")
    evidence_html: Mapped[str] = mapped_column(Text, default="")  # sanitised (lms.markdown)
    cell_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    request: Mapped[SkillAssessmentRequest] = relationship(back_populates="assessment")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    signed_by: Mapped[User] = relationship(foreign_keys=[signed_by_id])
    cell: Mapped[SkillCell] = relationship()


class SkillLevelAward(db.Model):
    """A level achieved: who, which cell, when, on what evidence, under which definition. Never updated."""

    __tablename__ = "skill_level_award"
    __table_args__ = (
        UniqueConstraint("user_id", "cell_id", "sequence", name="uq_skill_level_award_user_id_cell_id_sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    cell_id: Mapped[int] = mapped_column(ForeignKey("skill_cell.id", ondelete="RESTRICT"), index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=1)  # 1, then 2 after a revocation and a new award
    achieved_on: Mapped[date] = mapped_column(Date)  # company-local
    achieved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    quiz_attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempt.id", ondelete="RESTRICT"))
    quiz_result_id: Mapped[int] = mapped_column(ForeignKey("attempt_result.id", ondelete="RESTRICT"))
    quiz_score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    assessment_id: Mapped[int] = mapped_column(ForeignKey("skill_assessment.id", ondelete="RESTRICT"))
    lessons: Mapped[list] = mapped_column(JSON, default=list)  # the clause ids read
    cell_hash: Mapped[str] = mapped_column(String(64))
    tracks_hash: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship()
    cell: Mapped[SkillCell] = relationship()
    assessment: Mapped[SkillAssessment] = relationship()
    revocation: Mapped[SkillLevelRevocation | None] = relationship(back_populates="award", uselist=False)


class SkillLevelRevocation(db.Model):
    """HR's revocation of one award, with the reason; the award itself stays as it was."""

    __tablename__ = "skill_level_revocation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("skill_level_award.id", ondelete="RESTRICT"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    revoked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    revoked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_on: Mapped[date] = mapped_column(Date)

    award: Mapped[SkillLevelAward] = relationship(back_populates="revocation")
    revoked_by: Mapped[User] = relationship()
