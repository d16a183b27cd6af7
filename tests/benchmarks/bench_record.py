"""The development-incentive record (issue 14): concurrent appends, and `lms record verify` over a million entries.

    .venv/bin/python tests/benchmarks/bench_record.py [--entries 1000000] [--facts 10000] [--workers 4]

Every figure is measured in this one run, on this machine:

1. Concurrent appends: `--workers` processes (4) append `--facts` facts in all
   (10,000) at once, each fact its own transaction through
   `lms.record.service.append_fact`, first on a SQLite file, then on
   PostgreSQL when LMS_BENCH_DATABASE_URL names a server (a throwaway
   database is created on it and dropped; without it, or unreachable, the
   line says it was skipped). Prints the errors (must be 0), facts per second,
   and whether the chain then verifies with every fact in it.
2. Verify: a SQLite file holding `--entries` (1,000,000) entries with
   realistic exam_graded payloads, chained as append_fact chains them, is
   walked by `lms record verify` (the command, in a subprocess, as an operator
   runs it) and by `service.verify_chain` in this process; the baseline is raw
   sha256 over the same canonical bytes, already in memory (hashlib alone, in
   the same Python loop shape). The ratio is baseline time / verify time
   (target ≥ 0.25: verify costs at most 4× hashing the bytes).
3. HR's period report, when tests/benchmarks/bench_record_report.py exists
   (helper F's measurement): its `measure_period_report()` is called and its
   line printed.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import base_env, venv_script  # noqa: E402

from lms import clock, create_app  # noqa: E402
from lms.database import database_uri  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.models import FactKind, RecordEntry, User  # noqa: E402
from lms.record import hashing, service  # noqa: E402

PEOPLE = 200
FILL_BATCH = 20000


def app_for(uri: str):
    """An app on `uri` (schema made by create_all, with the ledger's triggers)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench-secret", "TESTING": False})


def make_people(app, count: int = PEOPLE) -> list[int]:
    """`count` people to be the subjects of the facts; returns their ids."""
    with app.app_context():
        db.create_all()
        db.session.execute(
            insert(User),
            [
                {"employee_no": f"B{n:05d}", "name": f"员工{n}", "email": f"b{n}@example.com", "active": True}
                for n in range(count)
            ],
        )
        db.session.commit()
        ids = list(db.session.scalars(select(User.id).order_by(User.id)))
        db.session.remove()
    return ids


# --- 1. concurrent appends ---------------------------------------------------------------


def _append_worker(uri: str, person_ids: list[int], number: int, count: int, start, results) -> None:
    app = app_for(uri)
    errors = 0
    with app.app_context():
        start.wait()
        for index in range(count):
            try:
                service.append_fact(
                    FactKind.SHARING_ATTENDED,
                    subject_id=person_ids[index % len(person_ids)],
                    occurred_at=clock.now(),
                    source=f"sharing_attendance:{number}-{index}",
                    payload={"session_id": number, "title": "分享会", "month": "2026-11", "held_on": "2026-11-20"},
                )
                db.session.commit()
            except Exception:  # noqa: BLE001 (every failure counts)
                db.session.rollback()
                errors += 1
        db.session.remove()
    results.put(errors)


def concurrent_appends(label: str, uri: str, facts: int, workers: int) -> None:
    """Append `facts` facts from `workers` processes at once; print errors, rate and the chain's verdict."""
    app = app_for(uri)
    person_ids = make_people(app)
    context = multiprocessing.get_context("spawn")  # fresh interpreters, as gunicorn workers are
    start, results = context.Barrier(workers + 1), context.Queue()
    each = [facts // workers + (1 if n < facts % workers else 0) for n in range(workers)]
    processes = [
        context.Process(target=_append_worker, args=(uri, person_ids, n, each[n], start, results))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    errors = sum(results.get() for _ in processes)
    seconds = time.perf_counter() - began
    for process in processes:
        process.join()
    with app.app_context():
        report = service.verify_chain()
        db.session.remove()
        db.engine.dispose()
    verdict = "verifies" if report.ok and report.count == facts else f"BROKEN: {report.broken} ({report.count} entries)"
    print(
        f"{label:<10} {workers} processes × {each[0]} appends: {errors} errors, {facts / seconds:7.1f} facts/s "
        f"({seconds:.1f} s); chain {verdict}"
    )


def postgresql_database(server_url: str):
    """(uri, drop) for a new throwaway database on the server, or (None, reason) when it cannot be reached."""
    server = make_url(database_uri(server_url, ""))
    name = f"lms_bench_record_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 (any failure means: skip, saying why)
        return None, str(error).splitlines()[0]

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


# --- 2. verify over a million entries ----------------------------------------------------


def realistic_payload(n: int) -> str:
    """An exam_graded payload of the size real ones have, canonical."""
    return hashing.canonical_json(
        {
            "exam": "2026-Q4",
            "exam_title": "2026 年第四季度销售技能考试",
            "quarter": "2026-Q4",
            "attempt": 1 + n % 2,
            "score": Decimal(n % 10001) / 100,
            "passed": n % 3 != 0,
            "pass_mark": Decimal("80.00"),
            "result_id": n + 1,
            "reason": "submitted",
        }
    )


def fill_ledger(app, person_ids: list[int], entries: int) -> None:
    """Insert `entries` chained entries directly (as append_fact would have, only faster), in batches."""
    began = datetime(2026, 1, 5, 1, 0)
    prev, seq = hashing.GENESIS, 0
    with app.app_context():
        table = RecordEntry.__table__
        while seq < entries:
            rows = []
            for _ in range(min(FILL_BATCH, entries - seq)):
                seq += 1
                moment = began + timedelta(seconds=seq * 7, microseconds=seq % 1000000)
                fields = hashing.EntryFields(
                    seq=seq,
                    subject_id=person_ids[seq % len(person_ids)],
                    kind="exam_graded",
                    occurred_at=moment,
                    recorded_at=moment + timedelta(milliseconds=3),
                    recorded_by=None if seq % 5 else person_ids[0],
                    source=f"exam_attempt:{seq}",
                    payload=realistic_payload(seq),
                    supersedes=seq - 1 if seq % 50 == 0 else None,
                    backfilled=seq % 97 == 0,
                    prev_hash=prev,
                )
                prev = hashing.entry_hash(fields)
                rows.append(service.entry_row(fields, prev))
            db.session.execute(insert(table), rows)
            db.session.commit()
        db.session.remove()


def raw_sha256_seconds(app, batch: int = 50000) -> tuple[float, int]:
    """Seconds to sha256 every entry's canonical bytes, built beforehand (untimed) batch by batch."""
    total, count, after = 0.0, 0, 0
    with app.app_context():
        while True:
            rows = db.session.execute(
                select(RecordEntry).where(RecordEntry.seq > after).order_by(RecordEntry.seq).limit(batch)
            ).scalars()
            blobs = [
                hashing.entry_bytes(
                    e.seq,
                    e.subject_id,
                    e.kind,
                    hashing.format_time(e.occurred_at),
                    hashing.format_time(e.recorded_at),
                    e.recorded_by_id,
                    e.source,
                    e.payload,
                    e.supersedes_seq,
                    e.backfilled,
                    e.prev_hash,
                )
                for e in rows
            ]
            db.session.expunge_all()
            if not blobs:
                break
            sha256 = hashlib.sha256
            started = time.perf_counter()
            for blob in blobs:
                sha256(blob).hexdigest()
            total += time.perf_counter() - started
            count += len(blobs)
            after += len(blobs)
        db.session.remove()
    return total, count


def verify_seconds(app, workers: int = 1) -> tuple[float, service.ChainReport]:
    """Seconds for service.verify_chain over the whole ledger from this process (`workers` ranges at once)."""
    with app.app_context():
        started = time.perf_counter()
        report = service.verify_chain(workers=workers)
        seconds = time.perf_counter() - started
        db.session.remove()
    return seconds, report


def cli_verify_seconds(uri: str) -> tuple[float, str]:
    """Seconds for `lms record verify` as an operator runs it (a new process: start-up included)."""
    env = base_env(LMS_DATABASE_URL=uri, LMS_SECRET_KEY="bench-secret")
    started = time.perf_counter()
    done = subprocess.run([venv_script("lms"), "record", "verify"], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return seconds, (done.stdout + done.stderr).strip().splitlines()[-1]


def bench_verify(label: str, uri: str, entries: int) -> None:
    """Fill a ledger with `entries` entries, then print verify's times against raw sha256 over the same bytes."""
    app = app_for(uri)
    person_ids = make_people(app)
    started = time.perf_counter()
    fill_ledger(app, person_ids, entries)
    print(f"{label:<10} filled {entries:,} entries in {time.perf_counter() - started:.0f} s")
    raw, hashed = raw_sha256_seconds(app)
    walk, report = verify_seconds(app)
    workers = service.default_workers()
    ranges, ranged = verify_seconds(app, workers)
    command, line = cli_verify_seconds(uri)
    assert report.ok and ranged.ok and report.count == ranged.count == entries == hashed, report
    print(f"{label:<10} raw sha256 over the same bytes: {raw:6.2f} s ({hashed / raw:,.0f} entries/s)")
    print(f"{label:<10} verify_chain, one process:      {walk:6.2f} s  ratio raw/verify {raw / walk:.2f}")
    print(f"{label:<10} verify_chain, {workers} ranges at once: {ranges:6.2f} s  ratio raw/verify {raw / ranges:.2f}")
    print(
        f"{label:<10} lms record verify (command, {workers} workers, start-up included): {command:6.2f} s"
        f"  ratio raw/verify {raw / command:.2f}"
    )
    print(f"{label:<10}   {line}")
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--facts", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--skip-appends", action="store_true", help="leave out the concurrent appends")
    parser.add_argument("--skip-report", action="store_true", help="leave out HR's period report (minutes)")
    args = parser.parse_args()
    server = os.environ.get("LMS_BENCH_DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="lms-record-") as folder:
        if not args.skip_appends:
            concurrent_appends("SQLite", f"sqlite:///{folder}/appends.sqlite3", args.facts, args.workers)
            if not server:
                print("PostgreSQL skipped: set LMS_BENCH_DATABASE_URL=postgresql://user@host/postgres to measure it")
            else:
                uri, drop = postgresql_database(server)
                if uri is None:
                    print(f"PostgreSQL skipped: {server} unreachable ({drop})")
                else:
                    try:
                        concurrent_appends("PostgreSQL", uri, args.facts, args.workers)
                    finally:
                        drop()
        bench_verify("SQLite", f"sqlite:///{folder}/verify.sqlite3", args.entries)
    if args.skip_report:
        return
    try:
        from bench_record_report import measure_period_report
    except ImportError:
        print("HR period report: not measured here (tests/benchmarks/bench_record_report.py does not exist yet)")
        return
    figures = measure_period_report()  # prints its own lines too
    print(
        f"HR period report ({figures['people']} people): ratio report/healthz {figures['ratio']:.2f} "
        f"(target ≥ {figures['target']:.2f}), {figures['errors']} errors"
    )


if __name__ == "__main__":
    main()
