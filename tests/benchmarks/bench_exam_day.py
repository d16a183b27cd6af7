"""Exam day: N simulated reps (default 1,000) start, autosave every answer and submit, on SQLite
and on PostgreSQL, served by gunicorn on loopback.

    .venv/bin/python tests/benchmarks/bench_exam_day.py [--reps 1000] [--questions 50] [--threads 32]
        [--databases sqlite,postgresql+psycopg://postgres@127.0.0.1:5432/exams_bench] [--starts-only]

Prints, per database: how long the starts took (target ≤ 10 s for all reps), p50/p95 autosave
latency, and the count of errors and of "database is locked" answers (target: zero of both),
plus /healthz requests per second measured in the same run as the baseline.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_exam_common as common  # noqa: E402
import harness  # noqa: E402


def run(database: str, reps: int, questions: int, threads: int, workers: int, starts_only: bool = False) -> None:
    with (
        common.prepared(database, reps, questions) as env,
        harness.gunicorn("lms:create_app()", env, workers=workers) as port,
        ThreadPoolExecutor(threads) as pool,
    ):
        people = list(pool.map(lambda n: common.Rep(port, f"S{n:05d}"), range(1, reps + 1)))
        healthz = harness.measure(port, "/healthz", 1000, threads)
        started = time.perf_counter()
        starts = list(pool.map(lambda rep: _safe(rep.start), people))
        start_seconds = time.perf_counter() - started
        lock = threading.Lock()
        latencies, failures = [], {"errors": 0, "locked": 0}

        def sit(rep: common.Rep) -> None:
            pages = -(-questions // 5)
            for page in range(1, pages + 1):
                for slot, value in rep.inputs(page):
                    (status, body), seconds = common.timed(rep.autosave, slot, value)
                    with lock:
                        latencies.append(seconds)
                        failures["errors"] += status != 200
                        failures["locked"] += b"database is locked" in body
            with lock:
                failures["errors"] += rep.submit() != 302

        started = time.perf_counter()
        if not starts_only:
            list(pool.map(sit, people))
        sit_seconds = time.perf_counter() - started
    label = "SQLite" if database == "sqlite" else "PostgreSQL"
    start_errors = sum(1 for status in starts if status != 302)
    print(f"[{label}] gunicorn -w {workers}, {threads} client threads, {reps} reps × {questions} answers")
    print(f"  /healthz baseline: {healthz.rps:.1f} req/s")
    print(
        f"  starts: {reps} in {start_seconds:.2f} s ({reps / start_seconds:.1f}/s, target all within 10 s), "
        f"{start_errors} errors"
    )
    if not starts_only:
        print(
            f"  autosave: {len(latencies)} in {sit_seconds:.1f} s, "
            f"p50 {common.percentile(latencies, 0.5) * 1000:.1f} ms, "
            f"p95 {common.percentile(latencies, 0.95) * 1000:.1f} ms"
        )
    print(f'  errors: {failures["errors"] + start_errors}, "database is locked": {failures["locked"]}')


def _safe(action):
    try:
        return action()
    except Exception as error:  # counted as an error in the report
        print("error:", error, file=sys.stderr)
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--starts-only",
        action="store_true",
        help="stop after the starts (a quick check of the start target; no autosave or submit)",
    )
    parser.add_argument("--databases", default="sqlite,postgresql+psycopg://postgres@127.0.0.1:5432/exams_bench")
    args = parser.parse_args()
    for database in args.databases.split(","):
        run(database.strip(), args.reps, args.questions, args.threads, args.workers, args.starts_only)


if __name__ == "__main__":
    main()
