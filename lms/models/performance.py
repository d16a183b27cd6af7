"""HR's performance grades (7.2), their follow-up (7.4), improvement suggestions and awards (issue 14, 3–5).

`PerformanceGrade` holds one person's current values for one period (a
quarter, a year or a month); every change to them (a re-import with other
values, an accepted appeal) is also a new `performance_grade` fact in the
ledger that supersedes the previous one, so the history lives there. Dates
people act on (publication, deadlines, re-evaluation) are company-local
dates; times are naive UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.users import User, utcnow


class GradeImport(db.Model):
    """One confirmed import of a grade file: who, when, which file, how many rows, and why (for corrections)."""

    __tablename__ = "grade_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: `lms record import-grades` run on the server without --by.
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    file_name: Mapped[str] = mapped_column(String(200))
    row_count: Mapped[int] = mapped_column(Integer)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    corrected_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    periods: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(500))

    imported_by: Mapped[User | None] = relationship()


class PerformanceGrade(db.Model):
    """A person's grade for one period, as it stands now (the ledger keeps every earlier value)."""

    __tablename__ = "performance_grade"
    __table_args__ = (
        UniqueConstraint("user_id", "period", name="uq_performance_grade_user_id_period"),
        CheckConstraint("score IS NOT NULL OR grade IS NOT NULL", name="score_or_grade"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # 2026-Q3, 2026, 2026-07
    period_kind: Mapped[str] = mapped_column(String(8))  # quarter | year | month
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))  # 绩效总分 0–120
    grade: Mapped[str | None] = mapped_column(String(1), index=True)  # S A B C D
    kpi_rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))  # percent: 125.0 = 125%
    satisfaction_percentile: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))  # 8 = top 8%
    # The local day the grade was first published (imported): 7.4's windows count from it.
    published_on: Mapped[date] = mapped_column(Date)
    # The import that set the current values, when they last changed, and why (a correction or appeal).
    import_id: Mapped[int] = mapped_column(ForeignKey("grade_import.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    grade_import: Mapped[GradeImport] = relationship()
    review: Mapped[PerformanceReview | None] = relationship(back_populates="grade", uselist=False)
    appeal: Mapped[GradeAppeal | None] = relationship(back_populates="grade", uselist=False)
    plan: Mapped[ImprovementPlan | None] = relationship(back_populates="grade", uselist=False)


class PerformanceReview(db.Model):
    """The 绩效面谈 (7.4): held by the manager within 3 working days of publication, with the agreed plan."""

    __tablename__ = "performance_review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("performance_grade.id"), unique=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    held_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean)
    plan: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    grade: Mapped[PerformanceGrade] = relationship(back_populates="review")
    manager: Mapped[User] = relationship()


class GradeAppealOutcome(StrEnum):
    """HR's answer to a grade appeal."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


class GradeAppeal(db.Model):
    """An employee's appeal against a grade (7.4): filed within 5 working days, decided within 10."""

    __tablename__ = "grade_appeal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One appeal per grade: a second look is HR's correction by import, with its reason.
    grade_id: Mapped[int] = mapped_column(ForeignKey("performance_grade.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(DateTime)
    decide_by: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_late: Mapped[bool | None] = mapped_column(Boolean)

    grade: Mapped[PerformanceGrade] = relationship(back_populates="appeal")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ImprovementPlan(db.Model):
    """The 绩效改进计划 (PIP) a grade C opens (7.2.2), re-evaluated 30 days later."""

    __tablename__ = "improvement_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("performance_grade.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    reevaluate_on: Mapped[date] = mapped_column(Date, index=True)
    # Set when a correction or an accepted appeal takes the grade away from C.
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)

    grade: Mapped[PerformanceGrade] = relationship(back_populates="plan")
    user: Mapped[User] = relationship()


class SuggestionStatus(StrEnum):
    """Where an improvement suggestion stands."""

    PENDING = "pending"
    ADOPTED = "adopted"
    DECLINED = "declined"


SUGGESTION_STATUS_LABELS = {
    SuggestionStatus.PENDING: "待处理",
    SuggestionStatus.ADOPTED: "已采纳",
    SuggestionStatus.DECLINED: "未采纳",
}


class Suggestion(db.Model):
    """A rep's sales-process improvement suggestion (精神奖励: 提出1项销售流程优化建议并被采纳)."""

    __tablename__ = "suggestion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    clause: Mapped[str] = mapped_column(String(32))  # the guide clause (a lesson's clause_id) it improves
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=SuggestionStatus.PENDING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AwardKind(StrEnum):
    """The awards HR records; the value is what the fact's payload says."""

    BEST_NEWCOMER = "best_newcomer"
    QUARTER_TOP_SALES = "quarter_top_sales"
    OTHER = "other"


AWARD_KIND_LABELS = {
    AwardKind.BEST_NEWCOMER: "年度「最佳新人」",
    AwardKind.QUARTER_TOP_SALES: "季度销冠",
    AwardKind.OTHER: "其他",
}


class Award(db.Model):
    """An award HR gives a person, with the period it is for, its date and citation."""

    __tablename__ = "award"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(120))
    period: Mapped[str] = mapped_column(String(7))
    awarded_on: Mapped[date] = mapped_column(Date)
    citation: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
