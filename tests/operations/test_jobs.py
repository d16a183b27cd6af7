"""lms jobs run-due (issue 15, 2): due jobs run once, on one node; a failure is recorded, retried, blocks nothing.

Two runners at once use real threads, each with its own app context and
session: on a SQLite file, and on PostgreSQL with LMS_TEST_DATABASE_URL.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path

from exams.exam_support import *  # noqa: F401,F403 (the exam fixtures: bank, frozen_now, exam_factory)
from exams.exam_support import start
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db
from lms.models import AttemptResult, BackupRecord, ExamAttempt, JobLease, JobRun, RecordCheckpoint, User
from lms.operations import backup, jobs

BUILT_IN = ["close_overdue", "onboarding_reminders", "ledger_checkpoint", "backup"]


def _statuses(outcomes):
    return {outcome.job: outcome.status for outcome in outcomes}


def test_each_due_job_runs_once_then_waits_for_its_time(app, frozen_now):
    frozen_now(datetime(2026, 12, 1, 1, 0))  # 09:00 in Beijing
    with app.app_context():
        assert _statuses(jobs.run_due()) == dict.fromkeys(BUILT_IN, "ok")
        assert _statuses(jobs.run_due()) == dict.fromkeys(BUILT_IN, "not_due")
        frozen_now(minutes=1)
        assert _statuses(jobs.run_due())["close_overdue"] == "ok"
        leases = {lease.job: lease.due_at for lease in db.session.scalars(select(JobLease))}
        # Daily jobs are next due at their company-local time: 02:00 Beijing is 18:00 UTC the day before.
        assert leases["backup"] == datetime(2026, 12, 1, 18, 0)
        assert leases["ledger_checkpoint"] == datetime(2026, 12, 1, 17, 30)
        assert leases["onboarding_reminders"] == datetime(2026, 12, 2, 1, 0)
        assert leases["close_overdue"] == datetime(2026, 12, 1, 1, 2)
        frozen_now(datetime(2026, 12, 1, 18, 0, 30))
        assert _statuses(jobs.run_due()) == {
            "close_overdue": "ok",
            "onboarding_reminders": "not_due",
            "ledger_checkpoint": "ok",
            "backup": "ok",
        }
        assert db.session.scalar(select(func.count(BackupRecord.id))) == 2
        assert db.session.scalar(select(func.count(RecordCheckpoint.id))) == 2
        assert len(list(Path(app.config["CHECKPOINT_DIR"]).glob("checkpoint-*.json"))) == 2
        summaries = {summary.name: summary for summary in jobs.last_runs()}
        assert summaries["close_overdue"].runs == 3 and summaries["backup"].runs == 2
        assert summaries["backup"].last_ok is True and summaries["backup"].consecutive_failures == 0


def test_a_failing_job_is_logged_recorded_retried_with_backoff_and_blocks_nothing(app, frozen_now, monkeypatch, caplog):
    frozen_now(datetime(2026, 12, 1, 1, 0))
    state = {"fail": True}

    def flaky(now):
        if state["fail"]:
            raise RuntimeError("摘要服务器不可用")
        return "发送摘要 3 封"

    registry = {"digest": jobs.Job("digest", "通知摘要", flaky, jobs.Schedule(every=timedelta(hours=6)))}
    registry.update(jobs._REGISTRY)
    monkeypatch.setattr(jobs, "_REGISTRY", registry)
    with app.app_context(), caplog.at_level(logging.ERROR, logger="lms.jobs"):
        outcomes = _statuses(jobs.run_due())
        assert outcomes == {"digest": "failed", **dict.fromkeys(BUILT_IN, "ok")}  # the others ran regardless
        assert "定时任务 digest 失败" in caplog.text and "摘要服务器不可用" in caplog.text
        run = db.session.scalars(select(JobRun).where(JobRun.job == "digest")).one()
        assert run.ok is False and "摘要服务器不可用" in run.error and run.finished_at is not None
        lease = db.session.get(JobLease, "digest")
        assert (lease.consecutive_failures, lease.due_at, lease.leased_until) == (1, datetime(2026, 12, 1, 1, 1), None)

        frozen_now(minutes=1)
        assert _statuses(jobs.run_due(only="digest")) == {"digest": "failed"}
        db.session.expire_all()
        lease = db.session.get(JobLease, "digest")
        assert (lease.consecutive_failures, lease.due_at) == (2, datetime(2026, 12, 1, 1, 3))  # 2 minutes later
        frozen_now(minutes=1)
        assert _statuses(jobs.run_due(only="digest")) == {"digest": "not_due"}  # backing off

        state["fail"] = False
        frozen_now(minutes=1)
        assert _statuses(jobs.run_due(only="digest")) == {"digest": "ok"}
        db.session.expire_all()
        lease = db.session.get(JobLease, "digest")
        assert (lease.consecutive_failures, lease.due_at) == (0, datetime(2026, 12, 1, 6, 0))
        digest = next(summary for summary in jobs.last_runs() if summary.name == "digest")
        assert (digest.runs, digest.failures, digest.last_ok) == (3, 2, True)


def test_the_command_prints_each_run_and_fails_when_a_job_failed(app, runner, frozen_now, monkeypatch):
    frozen_now(datetime(2026, 12, 1, 1, 0))
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert "close_overdue\tok" in result.output and "backup\tok" in result.output
    listing = runner.invoke(args=["jobs", "list"])
    assert "数据库备份\tdaily 02:00" in listing.output and "成功" in listing.output
    app.config["JOB_SCHEDULES"] = {"backup": "off"}

    def broken(now):
        raise OSError("磁盘坏了")

    monkeypatch.setitem(
        jobs._REGISTRY,
        "close_overdue",
        jobs.Job("close_overdue", "关闭超时答卷", broken, jobs.Schedule(every=timedelta(minutes=1))),
    )
    frozen_now(minutes=5)
    failed = runner.invoke(args=["jobs", "run-due"])
    assert failed.exit_code == 1 and "close_overdue\tfailed" in failed.output and "磁盘坏了" in failed.output
    assert "off" in runner.invoke(args=["jobs", "list"]).output
    assert "没有名为 nothing 的定时任务" in runner.invoke(args=["jobs", "run-due", "--only", "nothing"]).output


def test_a_bad_schedule_says_how_to_write_one():
    assert jobs.parse_schedule("every 15m").every == timedelta(minutes=15)
    assert jobs.parse_schedule("daily 03:30").daily_at.hour == 3
    assert jobs.parse_schedule("off") is None
    for wrong in ("hourly", "daily 25:00", "every 0m"):
        try:
            jobs.parse_schedule(wrong)
        except jobs.ScheduleError as error:
            assert "无法识别" in str(error) or "没有这个时刻" in str(error) or "大于 0" in str(error)
        else:
            raise AssertionError(f"{wrong!r} was accepted")


def test_two_nodes_at_once_close_each_attempt_once_send_each_reminder_once_take_one_backup(
    app, make_user, make_lesson, exam_factory, frozen_now, program_dir, smtp_server
):
    exam = exam_factory(time_limit_minutes=30, grace_seconds=30)
    reps = [make_user() for _ in range(5)]
    with app.app_context():
        attempts = [start(exam, db.session.get(User, rep.id), seed=i) for i, rep in enumerate(reps)]
        attempt_ids = [attempt.id for attempt in attempts]
    make_lesson("1.1"), make_lesson("1.2")
    manager = make_user(roles=("manager",), email="boss@example.com")
    mentor = make_user(roles=("mentor",), email="mentor@example.com")
    today = clock.local_date(frozen_now.get())
    make_user(hire_date=today - timedelta(days=60), manager_id=manager.id, mentor_id=mentor.id)  # overdue: 2 e-mails
    frozen_now(hours=2)  # every attempt is past its deadline and grace

    barrier = threading.Barrier(2)
    outcomes, errors = [None, None], []

    def node(index):
        with app.app_context():
            barrier.wait()
            try:
                outcomes[index] = _statuses(jobs.run_due(node=f"node-{index}"))
            except Exception as error:  # asserted below
                errors.append(error)

    threads = [threading.Thread(target=node, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    for job in BUILT_IN:  # each job ran on exactly one of the two nodes
        assert sorted(outcome[job] for outcome in outcomes) == ["not_due", "ok"], job
    with app.app_context():
        per_attempt = dict(
            db.session.execute(
                select(AttemptResult.attempt_id, func.count(AttemptResult.id)).group_by(AttemptResult.attempt_id)
            ).all()
        )
        assert per_attempt == dict.fromkeys(attempt_ids, 1)
        assert db.session.scalar(select(func.count(ExamAttempt.id)).where(ExamAttempt.status == "in_progress")) == 0
        runs = dict(db.session.execute(select(JobRun.job, func.count(JobRun.id)).group_by(JobRun.job)).all())
        assert runs == dict.fromkeys(BUILT_IN, 1)
        assert db.session.scalar(select(func.count(BackupRecord.id))) == 1
        assert len(backup.backups_in(backup.backup_dir())) == 1
    assert sorted(envelope.rcpt_tos[0] for envelope in smtp_server.messages) == [
        "boss@example.com",
        "mentor@example.com",
    ]
