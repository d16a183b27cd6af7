"""`lms backup create` on a year's data against a plain copy of the same SQLite file, in one run.

    .venv/bin/python tests/benchmarks/bench_backup.py [--people 2000] [--cases 100000] [--rounds 3]

Builds a throwaway SQLite file (`lms db upgrade`, then bulk inserts): the
guide bank, four quarterly exams, `--people` reps who each sat every exam
(a year of attempts: 50 answered questions and a graded result each), and
`--cases` published case reviews with their search index (the loader of
bench_case_search.py). The WAL is checkpointed, so the file is the whole
database. Then, alternating in each round:

- plain copy: `shutil.copyfile` of the database file (what a backup cannot
  be while the app writes, but the least any backup must cost);
- `lms backup create --out DIR`: the command as cron runs it, in a new
  process (interpreter and app start included): online backup API, counts
  of every table, tar with manifest and SHA-256, fsync, rename;
- the same backup in this process (`lms.operations.backup.create_backup`),
  which leaves the start-up out;
- `lms backup list` of an empty folder: what starting any `lms` command costs
  on this machine at this moment (interpreter, imports, app factory).

It prints the database size, each median, and the ratios backup / copy.
Both read the file from the page cache after the first round, so the ratio
is what the backup adds on top of moving the bytes.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import bench_case_search
import harness
from flask_migrate import upgrade
from sqlalchemy import insert, select

from lms import create_app
from lms.exams import catalog
from lms.exams.definitions import load_definition
from lms.extensions import db
from lms.models import AttemptQuestion, AttemptResult, ExamAttempt, Question, User
from lms.operations import backup
from lms.question_bank.loader import load_banks
from lms.question_bank.sync import sync_banks

REPO = Path(__file__).resolve().parents[2]
QUARTERS = [("2026-Q1", datetime(2026, 2, 10)), ("2026-Q2", datetime(2026, 5, 12)),
            ("2026-Q3", datetime(2026, 8, 11)), ("2026-Q4", datetime(2026, 11, 10))]  # fmt: skip


def populate(people: int, cases: int) -> None:
    """The year's data, in bulk inserts inside the app context."""
    started = time.perf_counter()
    sync_banks([bank for bank in load_banks(REPO / "quizzes") if bank.name == "guide"], {})
    base = load_definition(REPO / "quizzes" / "exams" / "2026-Q4.yaml")
    catalog.sync_exams(
        [
            dataclasses.replace(
                base, key=key, quarter=key, title=f"{key} 考试", opens_at=at, closes_at=at + timedelta(days=7)
            )
            for key, at in QUARTERS
        ]
    )
    db.session.execute(
        insert(User),
        [
            {"employee_no": f"R{n:05d}", "name": f"销售{n}", "email": f"r{n}@bench.example", "active": True,
             "team": f"团队{n % 40}", "hire_date": datetime(2025, 1, 1).date() + timedelta(days=n % 600)}
            for n in range(people)
        ],
    )  # fmt: skip
    user_ids = db.session.scalars(select(User.id).order_by(User.id)).all()
    questions = db.session.execute(select(Question.id, Question.type)).all()
    rng = random.Random(3)
    for key, at in QUARTERS:
        exam = catalog.get_exam(key)
        db.session.execute(
            insert(ExamAttempt),
            [
                {"exam_id": exam.id, "user_id": uid, "number": 1, "status": "finished", "started_at": at,
                 "deadline_at": at + timedelta(hours=1), "saved_at": at + timedelta(minutes=40),
                 "finished_at": at + timedelta(minutes=45), "finish_reason": "submitted"}
                for uid in user_ids
            ],
        )  # fmt: skip
        attempt_ids = db.session.scalars(
            select(ExamAttempt.id).where(ExamAttempt.exam_id == exam.id).order_by(ExamAttempt.id)
        ).all()
        slots, results = [], []
        for attempt_id, uid in zip(attempt_ids, user_ids, strict=True):
            paper = rng.sample(questions, 50)
            items, score = [], 0
            for position, (qid, qtype) in enumerate(paper, start=1):
                right = rng.random() < 0.75
                score += 2 * right
                response = {"choices": [rng.choice("abcd")]} if qtype in ("single", "multiple") else {"text": "答案"}
                slots.append(
                    {"attempt_id": attempt_id, "question_id": qid, "position": position, "points": 2,
                     "option_order": ["a", "b", "c", "d"], "response": response, "answered_at": at}
                )  # fmt: skip
                items.append([qid, "2" if right else "0", "1" if right else "0", "", False])
            results.append(
                {"attempt_id": attempt_id, "exam_id": exam.id, "user_id": uid, "sequence": 1, "score": score,
                 "points_awarded": score, "points_possible": 100, "passed": score >= 80, "breakdown": {},
                 "items": items, "reason": "submitted", "graded_at": at + timedelta(minutes=45)}
            )  # fmt: skip
        for first in range(0, len(slots), 20000):
            db.session.execute(insert(AttemptQuestion), slots[first : first + 20000])
        db.session.execute(insert(AttemptResult), results)
        db.session.commit()
        print(f"  {key}: {len(attempt_ids):,} attempts, {len(slots):,} answers", flush=True)
    db.session.commit()
    bench_case_search.load(cases, "sqlite")
    db.session.commit()
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--cases", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lms-backup-bench-") as folder:
        folder = Path(folder)
        database = folder / "bench.sqlite3"
        url = f"sqlite:///{database}"
        key = secrets.token_hex(32)
        app = create_app({"CLI_MODE": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": key})
        app.instance_path = str(folder / "instance")
        os.makedirs(app.instance_path)
        print(f"building {args.people:,} people, a year of attempts, {args.cases:,} cases …", flush=True)
        with app.app_context():
            upgrade()
            populate(args.people, args.cases)
            db.engine.dispose()
        # The whole database in the file itself, for the plain copy. The connection is closed, not just
        # committed: copying the file (open, close) in a process that still has it open drops that process's
        # POSIX locks, and SQLite in another process then deletes the WAL index under it ("disk I/O error").
        with contextlib.closing(sqlite3.connect(database)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = database.stat().st_size
        env = harness.base_env(LMS_DATABASE_URL=url, LMS_SECRET_KEY=key, LMS_BACKUP_KEEP="1")
        copies, commands, in_process, startups = [], [], [], []
        for round_number in range(1, args.rounds + 1):
            copy = folder / "copy.sqlite3"
            copies.append(timed(lambda copy=copy: shutil.copyfile(database, copy)))
            copy.unlink()
            out = folder / "out-command"
            commands.append(timed(lambda out=out: harness.run_lms(["backup", "create", "--out", str(out)], env)))
            shutil.rmtree(out)
            empty = folder / "empty"
            startups.append(timed(lambda empty=empty: harness.run_lms(["backup", "list", "--dir", str(empty)], env)))
            out = folder / "out-process"
            with app.app_context():
                in_process.append(timed(lambda out=out: (backup.create_backup(out), db.session.commit())))
                db.engine.dispose()
            shutil.rmtree(out)
            print(
                f"  round {round_number}: copy {copies[-1]:.2f} s, command {commands[-1]:.2f} s, "
                f"in process {in_process[-1]:.2f} s",
                flush=True,
            )
        copy, command, process, startup = (
            statistics.median(values) for values in (copies, commands, in_process, startups)
        )
        print(f"database file: {size / 2**20:.0f} MB")
        print(f"plain file copy        median {copy:6.2f} s")
        print(f"lms backup create      median {command:6.2f} s   ratio {command / copy:5.1f}x the copy")
        print(f"create_backup (in-process) {process:6.2f} s   ratio {process / copy:5.1f}x the copy")
        print(f"(start-up of any lms command, `lms backup list`: median {startup:.2f} s)")


if __name__ == "__main__":
    sys.exit(main())
