"""Scheduled jobs (issue 15, 2): one command, `lms jobs run-due`, that cron calls every few minutes on every node.

Each job has a row in `job_lease` with the time it is next due. A node runs
a job only after claiming it with one conditional UPDATE ("due, and nobody
holds a live lease"), committed on its own: on PostgreSQL a second node's
UPDATE waits for the first's row lock and then finds the lease taken; on
SQLite writes run one at a time anyway. So two nodes running at the same
moment run each job once: each overdue attempt is closed once, each reminder
sent once, one backup taken.

A job runs in its own transaction. A failure is logged, recorded in
`job_run`, and the job is due again after a backoff (1, 2, 4 … minutes, at
most an hour, never later than its next regular time); the other jobs run
regardless. A node that dies mid-run leaves a lease that expires.

New jobs (notification digests, once they exist) call `register(Job(...))`
from a module listed in PLUGIN_MODULES.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import re
import time as timer
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from lms import clock
from lms.domain import DomainError
from lms.extensions import db
from lms.models import JobLease, JobRun

logger = logging.getLogger("lms.jobs")

# Modules that may add jobs when they exist (each calls `register` at import).
PLUGIN_MODULES = ("lms.notifications.jobs",)
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)
EPOCH = datetime(2000, 1, 1)
SUMMARY_MAX = 500
ERROR_MAX = 4000


class ScheduleError(DomainError):
    """A job schedule in JOB_SCHEDULES that cannot be read."""


@dataclass(frozen=True)
class Schedule:
    """Every `every` (aligned to whole multiples, so small cron delays skip no turn), or daily at a local time."""

    every: timedelta | None = None
    daily_at: time | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The first due time strictly after `moment` (naive UTC)."""
        if self.every is not None:
            slots = (moment - EPOCH) // self.every
            return EPOCH + (slots + 1) * self.every
        local = clock.to_local(moment).replace(tzinfo=None)
        candidate = datetime.combine(local.date(), self.daily_at)
        if candidate <= local:
            candidate += timedelta(days=1)
        return clock.from_local(candidate)

    def __str__(self) -> str:
        if self.every is not None:
            minutes = int(self.every.total_seconds() // 60)
            return f"every {minutes}m" if minutes < 60 or minutes % 60 else f"every {minutes // 60}h"
        return f"daily {self.daily_at:%H:%M}"


_SCHEDULE_PATTERN = re.compile(r"^\s*(?:every\s+(\d+)\s*([mh])|daily\s+(\d{1,2}):(\d{2}))\s*$")


def parse_schedule(value: str) -> Schedule | None:
    """Read "every 5m", "every 2h", "daily 02:00" (company-local) or "off" (None)."""
    if value.strip().lower() == "off":
        return None
    match = _SCHEDULE_PATTERN.match(value.lower())
    if not match:
        raise ScheduleError(f"无法识别的任务时间 {value!r}：应写作 every 5m、every 2h、daily 02:00 或 off")
    amount, unit, hour, minute = match.groups()
    if amount:
        every = timedelta(minutes=int(amount)) if unit == "m" else timedelta(hours=int(amount))
        if every <= timedelta(0):
            raise ScheduleError(f"任务间隔必须大于 0：{value!r}")
        return Schedule(every=every)
    if int(hour) > 23 or int(minute) > 59:
        raise ScheduleError(f"没有这个时刻：{value!r}")
    return Schedule(daily_at=time(int(hour), int(minute)))


@dataclass(frozen=True)
class Job:
    """A scheduled job: `run(now)` does the work in the current transaction and returns a one-line summary."""

    name: str
    label: str
    run: Callable[[datetime], str]
    schedule: Schedule
    lease: timedelta = timedelta(minutes=30)


_REGISTRY: dict[str, Job] = {}
_plugins_loaded = False


def register(job: Job) -> Job:
    """Add `job` to the schedule (or replace the one of the same name)."""
    _REGISTRY[job.name] = job
    return job


def registered() -> list[Job]:
    """Every job, built-in ones first in their order, then any a plugin module added."""
    global _plugins_loaded
    if not _plugins_loaded:
        _plugins_loaded = True
        for module in PLUGIN_MODULES:
            if importlib.util.find_spec(module.rsplit(".", 1)[0]) and importlib.util.find_spec(module):
                importlib.import_module(module)
    return list(_REGISTRY.values())


def schedule_of(job: Job) -> Schedule | None:
    """The job's schedule after JOB_SCHEDULES overrides; None when it is switched off."""
    override = (current_app.config.get("JOB_SCHEDULES") or {}).get(job.name)
    return job.schedule if override is None else parse_schedule(str(override))


# --- running --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What happened to one job in a `run_due` call: ran ok, failed, or was not due / held by another node."""

    job: str
    status: str  # "ok" | "failed" | "not_due" | "off"
    summary: str = ""
    seconds: float = 0.0


def run_due(node: str | None = None, only: str | None = None, force: bool = False) -> list[Outcome]:
    """Run every job that is due now and not held by another node; returns one Outcome per job.

    `only` limits the run to one job; `force` runs it even if not yet due
    (still never beside another node's run). Commits after each step.
    """
    from lms.operations.backup import node_name

    node = node or node_name()
    jobs = [job for job in registered() if only in (None, job.name)]
    if only and not jobs:
        raise ScheduleError(f"没有名为 {only} 的定时任务")
    _ensure_leases(jobs, clock.now())
    outcomes = []
    for job in jobs:
        if schedule_of(job) is None:
            outcomes.append(Outcome(job.name, "off"))
            continue
        outcomes.append(_run_if_due(job, node, force))
    return outcomes


def _ensure_leases(jobs: list[Job], now: datetime) -> None:
    """Give every job its lease row (due at once); a row another node inserted first is kept."""
    known = set(db.session.scalars(select(JobLease.job)))
    for job in jobs:
        if job.name in known:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(JobLease(job=job.name, due_at=now, consecutive_failures=0))
        except IntegrityError:
            pass  # another node created it at the same moment
    db.session.commit()


def _run_if_due(job: Job, node: str, force: bool) -> Outcome:
    now = clock.now()
    token = uuid.uuid4().hex
    claimed = db.session.execute(
        update(JobLease)
        .where(
            JobLease.job == job.name,
            or_(JobLease.leased_until.is_(None), JobLease.leased_until < now),
            *(() if force else (JobLease.due_at <= now,)),
        )
        .values(leased_until=now + job.lease, lease_token=token)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return Outcome(job.name, "not_due")
    run = JobRun(job=job.name, node=node, started_at=now)
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    started = timer.perf_counter()
    try:
        summary, error = job.run(now) or "", None
        db.session.commit()
    except Exception as failure:  # any failure: logged, recorded, retried; never stops the other jobs
        db.session.rollback()
        summary, error = f"失败：{failure}", traceback.format_exc()
        logger.error("定时任务 %s 失败（将重试）：%s", job.name, failure, exc_info=True)
    seconds = timer.perf_counter() - started
    _record(job, run_id, token, now, seconds, summary, error)
    return Outcome(job.name, "ok" if error is None else "failed", summary, seconds)


def _record(job: Job, run_id: int, token: str, started_at: datetime, seconds: float, summary: str, error) -> None:
    """Write the run's outcome and release the lease with the next due time (backoff after a failure)."""
    lease = db.session.get(JobLease, job.name)
    failures = 0 if error is None else lease.consecutive_failures + 1
    regular = schedule_of(job).next_after(started_at)
    due = regular if error is None else min(regular, clock.now() + _backoff(failures))
    db.session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(
            finished_at=clock.now(),
            ok=error is None,
            duration_ms=round(seconds * 1000),
            summary=summary[:SUMMARY_MAX],
            error=error[-ERROR_MAX:] if error else None,
        )
    )
    db.session.execute(
        update(JobLease)
        .where(JobLease.job == job.name, JobLease.lease_token == token)  # not if our lease expired and was retaken
        .values(leased_until=None, lease_token=None, due_at=due, consecutive_failures=failures)
    )
    db.session.commit()


def _backoff(failures: int) -> timedelta:
    """1, 2, 4 … minutes after consecutive failures, at most RETRY_MAX."""
    return min(RETRY_MAX, RETRY_FIRST * (2 ** min(failures - 1, 16)))


# --- what /metrics and doctor read ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobRunSummary:
    """One job's state for /metrics and `lms doctor` (see /tmp/G_interfaces.md)."""

    name: str
    label: str
    runs: int
    failures: int
    consecutive_failures: int
    last_started_at: datetime | None
    last_duration_seconds: float | None
    last_ok: bool | None
    next_due_at: datetime | None


def last_runs() -> list[JobRunSummary]:
    """Every registered job with its run totals, last run and next due time, ordered by name. Only reads."""
    totals = {
        row.job: row
        for row in db.session.execute(
            select(
                JobRun.job,
                func.count(JobRun.id).label("runs"),
                func.sum(case((JobRun.ok.is_(False), 1), else_=0)).label("failures"),
                func.max(JobRun.id).label("last_id"),
            ).group_by(JobRun.job)
        )
    }
    last_ids = [row.last_id for row in totals.values()]
    last = (
        {run.job: run for run in db.session.scalars(select(JobRun).where(JobRun.id.in_(last_ids)))} if last_ids else {}
    )
    leases = {lease.job: lease for lease in db.session.scalars(select(JobLease))}
    summaries = []
    for job in sorted(registered(), key=lambda j: j.name):
        total, run, lease = totals.get(job.name), last.get(job.name), leases.get(job.name)
        summaries.append(
            JobRunSummary(
                name=job.name,
                label=job.label,
                runs=total.runs if total else 0,
                failures=int(total.failures or 0) if total else 0,
                consecutive_failures=lease.consecutive_failures if lease else 0,
                last_started_at=run.started_at if run else None,
                last_duration_seconds=run.duration_ms / 1000 if run and run.duration_ms is not None else None,
                last_ok=run.ok if run else None,
                next_due_at=lease.due_at if lease else None,
            )
        )
    return summaries


def recent_runs(limit: int = 100) -> list[JobRun]:
    """The latest job runs, newest first."""
    return list(db.session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


# --- the built-in jobs ----------------------------------------------------------------------------------------------


def _close_overdue(now: datetime) -> str:
    """Finish and grade every attempt past its deadline plus grace."""
    from lms.exams import attempts

    return f"自动交卷 {attempts.close_overdue(now)} 份超时答卷"


def _onboarding_reminders(now: datetime) -> str:
    """Send today's onboarding reminders (each once); without SMTP there is nothing to send."""
    from sqlalchemy.orm import joinedload

    from lms.models import User
    from lms.onboarding import reminders
    from lms.onboarding.cli import mail_settings
    from lms.onboarding.program import program_in
    from lms.onboarding.service import parse_applies_from

    mail = mail_settings()
    if mail is None:
        return "未配置 SMTP（LMS_MAIL_SERVER），没有发送提醒"
    program = program_in(current_app.config["CONTENT_DIR"])
    applies_from = parse_applies_from(current_app.config.get("ONBOARDING_APPLIES_FROM"))
    people = list(  # the same people `lms onboarding remind` reminds
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.hire_date.is_not(None), User.role_rows.any(role="rep"))
            .options(joinedload(User.mentor), joinedload(User.manager))
        )
    )
    due = reminders.due_reminders(program, people, clock.local_date(now), applies_from)
    try:
        sent = reminders.send_reminders(due, mail)
    except Exception:
        db.session.commit()  # keep the ones sent before the failure recorded, so they are not sent again
        raise
    return f"发送入职提醒 {len(sent)} 条"


def _ledger_checkpoint(now: datetime) -> str:
    """Verify the ledger, store a signed checkpoint of its head and write the document outside the database."""
    from lms.record import service

    report = service.verify_chain()
    _row, document = service.take_checkpoint(report, current_app.config["SECRET_KEY"])
    folder = Path(current_app.config.get("CHECKPOINT_DIR") or Path(current_app.instance_path) / "checkpoints")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"checkpoint-{now:%Y%m%dT%H%M%SZ}-{report.count}.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return f"档案检查点：{report.count} 条，写入 {path.name}"


def _backup(now: datetime) -> str:
    """Take a backup into BACKUP_DIR and keep the last BACKUP_KEEP."""
    from lms.operations import backup

    created = backup.create_backup()
    db.session.commit()  # the BackupRecord, before pruning touches files
    removed = backup.prune(created.path.parent, int(current_app.config["BACKUP_KEEP"]))
    return f"备份 {created.path.name}（{created.path.stat().st_size} 字节），清理旧文件 {len(removed)} 个"


register(
    Job("close_overdue", "关闭超时答卷", _close_overdue, Schedule(every=timedelta(minutes=1)), timedelta(minutes=10))
)
register(Job("onboarding_reminders", "入职培训提醒", _onboarding_reminders, Schedule(daily_at=time(9, 0))))
register(Job("ledger_checkpoint", "档案检查点", _ledger_checkpoint, Schedule(daily_at=time(1, 30)), timedelta(hours=2)))
register(Job("backup", "数据库备份", _backup, Schedule(daily_at=time(2, 0)), timedelta(hours=6)))
