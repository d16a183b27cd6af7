"""Operations (issue 15): scheduled job leases and runs, and the backups that were taken.

- `JobLease` is one row per scheduled job: when it is next due and who holds
  it right now. A node claims a job with one conditional UPDATE (due, and no
  live lease), so of two nodes running `lms jobs run-due` at the same moment
  exactly one runs each job.
- `JobRun` is the history: one row per run, with its outcome and duration
  (what /metrics and `lms doctor` read).
- `BackupRecord` is one row per finished backup, so every node (and /metrics)
  knows the last backup's age without seeing the backup folder.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class JobLease(db.Model):
    """A scheduled job's next due time and its current lease (None when nobody runs it)."""

    __tablename__ = "job_lease"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    leased_until: Mapped[datetime | None] = mapped_column(DateTime)
    # A fresh token per claim, so a run whose lease expired cannot release a later holder's lease.
    lease_token: Mapped[str | None] = mapped_column(String(64))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class JobRun(db.Model):
    """One run of a scheduled job: who ran it, when, how long, and how it ended (ok None: still running)."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_job_started_at", "job", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)


class BackupRecord(db.Model):
    """A backup that was written completely: its file, the moment of its snapshot and the ledger head it holds."""

    __tablename__ = "backup_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    dialect: Mapped[str] = mapped_column(String(16))
    revision: Mapped[str | None] = mapped_column(String(32))
    ledger_count: Mapped[int] = mapped_column(Integer)
    ledger_head: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(String(128))
