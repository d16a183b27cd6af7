"""The development-incentive record (issue 14): an append-only, hash-chained ledger of facts about people.

Write only through `lms.record.service.append_fact`, which numbers, chains
and hashes each entry. The database itself refuses UPDATE and DELETE on
`record_entry` (and TRUNCATE on PostgreSQL) with triggers, which
`create_all` installs through the DDL events at the bottom of this module
and migration 0010 installs in production; a correction is a new entry that
supersedes the old one.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.users import User


class FactKind(StrEnum):
    """What a ledger entry records (the facts issue 14 lists); the value is what the table stores."""

    ONBOARDING_FINISHED = "onboarding_finished"
    EXAM_GRADED = "exam_graded"
    CASE_REVIEW_PUBLISHED = "case_review_published"
    CASE_RATING_SUMMARY = "case_rating_summary"
    SHARING_ATTENDED = "sharing_attended"
    SUGGESTION_ADOPTED = "suggestion_adopted"
    PERFORMANCE_GRADE = "performance_grade"
    AWARD = "award"
    SKILL_LEVEL = "skill_level"
    SKILL_ASSESSMENT = "skill_assessment"
    SKILL_CERTIFICATE = "skill_certificate"
    ELIGIBILITY_CONFIRMED = "eligibility_confirmed"

    @property
    def label(self) -> str:
        """The Chinese name people read."""
        return FACT_KIND_LABELS[self]


FACT_KIND_LABELS = {
    FactKind.ONBOARDING_FINISHED: "完成入职培训",
    FactKind.EXAM_GRADED: "考试成绩",
    FactKind.CASE_REVIEW_PUBLISHED: "发布案例复盘",
    FactKind.CASE_RATING_SUMMARY: "案例评分汇总（满 3 人）",
    FactKind.SHARING_ATTENDED: "参加分享会",
    FactKind.SUGGESTION_ADOPTED: "建议被采纳",
    FactKind.PERFORMANCE_GRADE: "绩效等级",
    FactKind.AWARD: "获奖",
    FactKind.SKILL_LEVEL: "技能等级",
    FactKind.SKILL_ASSESSMENT: "技能评估",
    FactKind.SKILL_CERTIFICATE: "技能证书",
    FactKind.ELIGIBILITY_CONFIRMED: "激励资格确认",
}


class RecordEntry(db.Model):
    """One fact about one person, chained to the fact before it.

    `seq` is both the entry's id and its place in the chain: 1, 2, 3 … with no
    gaps, assigned under a lock by `append_fact`, so the id is covered by the
    hash and two entries can never claim the same place. `payload` holds the
    canonical JSON text that was hashed, byte for byte (a JSON or JSONB column
    would re-spell it: JSONB reorders keys), and `payload_data` parses it.
    Times are naive UTC. `recorded_by_id` is None when the system recorded the
    fact. People are referenced without ON DELETE: a person with facts cannot
    be deleted (deactivate instead), since the record must stay complete.
    """

    __tablename__ = "record_entry"
    __table_args__ = (
        CheckConstraint("seq >= 1", name="seq_positive"),
        CheckConstraint("supersedes_seq < seq", name="supersedes_earlier"),
        # A person's timeline, and the facts of one kind in a period.
        Index("ix_record_entry_subject_id_occurred_at", "subject_id", "occurred_at"),
        Index("ix_record_entry_kind_occurred_at", "kind", "occurred_at"),
        # `rebuild --check` and corrections look facts up by the object they came from.
        Index("ix_record_entry_source", "source"),
        # "Is this fact corrected, and by which?"; and the foreign key's own check needs it (without it, each
        # removed entry scans the whole table for rows that point at it).
        Index("ix_record_entry_supersedes_seq", "supersedes_seq"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    subject_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The object the fact is about, as "table:id" (e.g. "exam_attempt:12").
    source: Mapped[str] = mapped_column(String(96))
    payload: Mapped[str] = mapped_column(Text)
    supersedes_seq: Mapped[int | None] = mapped_column(ForeignKey("record_entry.seq"))
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The unique prev_hash is the last guard against a fork: two entries cannot follow the same one.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    subject: Mapped[User] = relationship(foreign_keys=[subject_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    supersedes: Mapped[RecordEntry | None] = relationship(remote_side=[seq])

    @property
    def payload_data(self) -> dict:
        """The payload parsed from its canonical text."""
        return json.loads(self.payload)

    @property
    def kind_label(self) -> str:
        """The kind's Chinese name (the raw value for a kind this code no longer knows)."""
        try:
            return FactKind(self.kind).label
        except ValueError:
            return self.kind


class RecordCheckpoint(db.Model):
    """A signed head of the chain as `lms record checkpoint` printed it (the printed file is the one to keep).

    Kept here so that operators can see when checkpoints were taken; the
    proof is the copy kept outside the system, since whoever can rewrite the
    ledger can rewrite this table too.
    """

    __tablename__ = "record_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    entry_count: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(64))


# Append-only, enforced by the database. The same statements are in migration 0010; tests/record check both.
# PostgreSQL: one plpgsql function raising an exception, fired before any row UPDATE or DELETE and before TRUNCATE.
APPEND_ONLY_POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION record_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION USING ERRCODE = 'restrict_violation', "
    "MESSAGE = '发展激励档案只能追加：拒绝 ' || TG_OP || '（record_entry is append-only）'; END $$",
    "CREATE TRIGGER record_entry_no_change BEFORE UPDATE OR DELETE ON record_entry "
    "FOR EACH ROW EXECUTE FUNCTION record_entry_refuse_change()",
    "CREATE TRIGGER record_entry_no_truncate BEFORE TRUNCATE ON record_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION record_entry_refuse_change()",
)
APPEND_ONLY_POSTGRESQL_DROP = ("DROP FUNCTION IF EXISTS record_entry_refuse_change() CASCADE",)
# SQLite: BEFORE triggers that abort the statement (and so the change) with a message.
APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER record_entry_no_update BEFORE UPDATE ON record_entry BEGIN "
    "SELECT RAISE(ABORT, '发展激励档案只能追加：拒绝 UPDATE（record_entry is append-only）'); END",
    "CREATE TRIGGER record_entry_no_delete BEFORE DELETE ON record_entry BEGIN "
    "SELECT RAISE(ABORT, '发展激励档案只能追加：拒绝 DELETE（record_entry is append-only）'); END",
)

for _statement in APPEND_ONLY_POSTGRESQL:
    event.listen(RecordEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in APPEND_ONLY_POSTGRESQL_DROP:
    event.listen(RecordEntry.__table__, "after_drop", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in APPEND_ONLY_SQLITE:
    event.listen(RecordEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
