"""Case reviews (5.4): versions, workflow history, ratings, the search index and sharing sessions.

A `CaseReview` is the identity and the workflow state of one case. Its text
lives in numbered `CaseVersion` rows; a version that has been published is
never changed again, and readers see the one `published_number` points at.
Every workflow step is a dated `CaseTransition`; every rating is a dated
`CaseRating` row, and a changed rating replaces the old row rather than
overwriting it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from markupsafe import Markup
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.users import User, utcnow


class CaseStatus(StrEnum):
    """A case review's workflow state (5.4): written, awaiting approval, published, archived."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    ARCHIVED = "archived"


CASE_STATUS_LABELS = {
    CaseStatus.DRAFT: "草稿",
    CaseStatus.SUBMITTED: "待审核",
    CaseStatus.PUBLISHED: "已发布",
    CaseStatus.ARCHIVED: "已归档",
}
CASE_OUTCOME_LABELS = {"success": "成功", "failure": "失败"}
# Customer segments of 4.3.
CASE_SEGMENT_LABELS = {"high_potential": "高潜力型", "stable": "稳定型", "wait_and_see": "观望型"}
# The four parts of 5.4, in order; 总结提炼 has two halves.
CASE_PART_LABELS = {
    "info": "信息收集",
    "analysis": "初步分析",
    "discussion": "深入讨论",
    "methods": "总结提炼 · 可复制的方法",
    "improvements": "总结提炼 · 需改进的方面",
}
CASE_PARTS = tuple(CASE_PART_LABELS)
# 经验共享效果评估表 (5.4), each scored 1–5.
RATING_CRITERIA = {
    "quality": "复盘质量",
    "application": "经验应用度",
    "engagement": "团队参与度",
    "improvement": "整体改进效果",
}
TRANSITION_LABELS = {
    "create": "创建草稿",
    "submit": "提交审核",
    "approve": "审核通过并发布",
    "send_back": "退回修改",
    "revise": "开始修订",
    "archive": "归档",
}


class CaseReview(db.Model):
    """One case review: its author, workflow state and which version readers see."""

    __tablename__ = "case_review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    # The state of the newest version: draft → submitted → published → archived.
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.DRAFT.value, index=True)
    # Which version readers see; None until first approved.
    published_number: Mapped[int | None] = mapped_column(Integer)
    first_published_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    versions: Mapped[list[CaseVersion]] = relationship(
        back_populates="case", order_by="CaseVersion.number", cascade="all, delete-orphan"
    )
    transitions: Mapped[list[CaseTransition]] = relationship(
        back_populates="case", order_by="CaseTransition.id", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("status IN ('draft', 'submitted', 'published', 'archived')", name="status"),)

    @property
    def latest(self) -> CaseVersion:
        """The newest version: the one being written or reviewed."""
        return self.versions[-1]

    @property
    def published(self) -> CaseVersion | None:
        """The version readers see, if any."""
        for version in self.versions:
            if version.number == self.published_number:
                return version
        return None

    @property
    def is_public(self) -> bool:
        """Readable by every colleague: published once and not archived."""
        return self.published_number is not None and self.status != CaseStatus.ARCHIVED

    @property
    def status_label(self) -> str:
        """The state in Chinese; a published case under revision says so."""
        label = CASE_STATUS_LABELS[self.status]
        if self.published_number is not None and self.status in (CaseStatus.DRAFT, CaseStatus.SUBMITTED):
            return f"已发布（修订{label}）"
        return label


class CaseVersion(db.Model):
    """The text and classification of one version of a case review."""

    __tablename__ = "case_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_review.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))
    outcome: Mapped[str | None] = mapped_column(String(16))
    segment: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[str] = mapped_column(String(400), default="")
    info: Mapped[str] = mapped_column(Text, default="")
    analysis: Mapped[str] = mapped_column(Text, default="")
    discussion: Mapped[str] = mapped_column(Text, default="")
    methods: Mapped[str] = mapped_column(Text, default="")
    improvements: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Set when a manager approves this version; from then on it never changes.
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Each part's sanitised HTML, rendered once when the version is saved (lms.cases.service),
    # so that reading a case never pays for Markdown: {"info": "<p>…</p>", …}.
    rendered_html: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))

    case: Mapped[CaseReview] = relationship(back_populates="versions")
    dimension_rows: Mapped[list[CaseVersionDimension]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseVersionDimension.position"
    )
    clause_rows: Mapped[list[CaseVersionClause]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CaseVersionClause.position"
    )

    __table_args__ = (
        UniqueConstraint("case_id", "number", name="uq_case_version_case_id_number"),
        CheckConstraint("outcome IS NULL OR outcome IN ('success', 'failure')", name="outcome"),
        CheckConstraint("segment IS NULL OR segment IN ('high_potential', 'stable', 'wait_and_see')", name="segment"),
    )

    @property
    def dimensions(self) -> list[str]:
        """Skill dimension codes, in the order the author gave."""
        return [row.code for row in self.dimension_rows]

    @property
    def clauses(self) -> list[str]:
        """Guide clause ids, in the order the author gave."""
        return [row.clause_id for row in self.clause_rows]

    def part_html(self, name: str) -> Markup:
        """A part's stored sanitised HTML (safe to insert into a page)."""
        return Markup((self.rendered_html or {}).get(name, ""))

    @property
    def tag_list(self) -> list[str]:
        """Tags as a list."""
        return [tag for tag in self.tags.split(",") if tag]


class CaseVersionDimension(db.Model):
    """A skill dimension (lms.skills) that a version relates to."""

    __tablename__ = "case_version_dimension"

    version_id: Mapped[int] = mapped_column(ForeignKey("case_version.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    __table_args__ = (Index("ix_case_version_dimension_code", "code", "version_id"),)


class CaseVersionClause(db.Model):
    """A guide clause (e.g. "5.4") that a version cites."""

    __tablename__ = "case_version_clause"

    version_id: Mapped[int] = mapped_column(ForeignKey("case_version.id", ondelete="CASCADE"), primary_key=True)
    clause_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    __table_args__ = (Index("ix_case_version_clause_clause", "clause_id", "version_id"),)


class CaseTransition(db.Model):
    """One dated workflow step: who moved the case from which state to which, and why."""

    __tablename__ = "case_transition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_review.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[CaseReview] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()

    @property
    def action_label(self) -> str:
        return TRANSITION_LABELS.get(self.action, self.action)


class CaseRating(db.Model):
    """A colleague's 经验共享效果评估 of a published case.

    A changed rating is a new row; the old one gets `replaced_at`. Only the
    current row (replaced_at IS NULL) of each rater counts.
    """

    __tablename__ = "case_rating"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_review.id", ondelete="CASCADE"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    quality: Mapped[int] = mapped_column(SmallInteger)
    application: Mapped[int] = mapped_column(SmallInteger)
    engagement: Mapped[int] = mapped_column(SmallInteger)
    improvement: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime)

    rater: Mapped[User] = relationship()

    __table_args__ = (
        *(CheckConstraint(f"{name} BETWEEN 1 AND 5", name=f"{name}_range") for name in RATING_CRITERIA),
        # One current rating per rater and case, on both databases.
        Index(
            "uq_case_rating_current",
            "case_id",
            "rater_id",
            unique=True,
            sqlite_where=text("replaced_at IS NULL"),
            postgresql_where=text("replaced_at IS NULL"),
        ),
    )

    @property
    def overall(self) -> float:
        """Mean of the four criteria."""
        return sum(getattr(self, name) for name in RATING_CRITERIA) / len(RATING_CRITERIA)


class CaseSearchEntry(db.Model):
    """The search document of one public case (its published version).

    The id doubles as the SQLite FTS5 rowid, and increases each time a case
    is (re)published, so "newest first" is simply id descending. On SQLite the
    tokens live only in the contentless FTS5 table `case_fts` (see
    lms.cases.search); on PostgreSQL in `tsv`, under a GIN index.
    """

    __tablename__ = "case_search"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_review.id", ondelete="CASCADE"), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("case_version.id", ondelete="CASCADE"), index=True)
    tsv = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"), nullable=True)

    case: Mapped[CaseReview] = relationship()
    version: Mapped[CaseVersion] = relationship()

    __table_args__ = (Index("ix_case_search_tsv", "tsv", postgresql_using="gin").ddl_if(dialect="postgresql"),)


class SharingSession(db.Model):
    """The monthly 经验分享会 (5.3, 5.4): the cases chosen and who was expected and came."""

    __tablename__ = "sharing_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # "YYYY-MM"
    title: Mapped[str] = mapped_column(String(120))
    held_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    case_rows: Mapped[list[SharingSessionCase]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SharingSessionCase.position"
    )
    attendance_rows: Mapped[list[SharingAttendance]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def expected_count(self) -> int:
        """应到人数."""
        return len(self.attendance_rows)

    @property
    def attended_count(self) -> int:
        """参加人数."""
        return sum(1 for row in self.attendance_rows if row.attended)

    @property
    def participation(self) -> float | None:
        """参与度 = 参加人数 / 应到人数 × 100%, or None with nobody expected."""
        if not self.expected_count:
            return None
        return self.attended_count / self.expected_count * 100


class SharingSessionCase(db.Model):
    """A case picked for a sharing session."""

    __tablename__ = "sharing_session_case"

    session_id: Mapped[int] = mapped_column(ForeignKey("sharing_session.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_review.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    case: Mapped[CaseReview] = relationship(lazy="joined")


class SharingAttendance(db.Model):
    """One person expected at a sharing session (应到), and whether they came (参加)."""

    __tablename__ = "sharing_attendance"

    session_id: Mapped[int] = mapped_column(ForeignKey("sharing_session.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
