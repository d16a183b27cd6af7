"""Exam start, answer autosave and submit (grading 50 questions) against /healthz, under gunicorn.

    .venv/bin/python tests/benchmarks/bench_exam_requests.py [--reps 150] [--threads 8]

Targets (issue 6): autosave ≥ 0.25×, start ≥ 0.10×, submit with grading ≥ 0.10× the requests
per second of /healthz measured in the same run (SQLite file, gunicorn -w 2).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_exam_common as common  # noqa: E402
import harness  # noqa: E402


def rate(pool, action, items) -> tuple[float, int]:
    started = time.perf_counter()
    statuses = list(pool.map(action, items))
    seconds = time.perf_counter() - started
    return len(items) / seconds, sum(1 for ok in statuses if not ok)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=150)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with (
        common.prepared("sqlite", args.reps) as env,
        harness.gunicorn("lms:create_app()", env, workers=args.workers) as port,
        ThreadPoolExecutor(args.threads) as pool,
    ):
        reps = list(pool.map(lambda n: common.Rep(port, f"S{n:05d}"), range(1, args.reps + 1)))
        harness.measure(port, "/healthz", 200, args.threads)
        healthz = harness.measure(port, "/healthz", 2000, args.threads)
        start_rps, start_errors = rate(pool, lambda rep: rep.start() == 302, reps)
        work = [(rep, slot, value) for rep in reps for slot, value in rep.inputs(1)[:4]]
        work = (work * (1 + 2000 // max(1, len(work))))[:2000]
        save_rps, save_errors = rate(pool, lambda job: job[0].autosave(job[1], job[2])[0] == 200, work)
        submit_rps, submit_errors = rate(pool, lambda rep: rep.submit() == 302, reps)
    print(f"gunicorn -w {args.workers}, {args.threads} client threads, loopback, SQLite, 50-question paper")
    print(f"/healthz   {healthz.rps:8.1f} req/s ({healthz.errors} errors)")
    for name, value, errors, target in (
        ("autosave", save_rps, save_errors, 0.25),
        ("start", start_rps, start_errors, 0.10),
        ("submit", submit_rps, submit_errors, 0.10),
    ):
        print(
            f"{name:<9} {value:8.1f} req/s ({errors} errors)  ratio {value / healthz.rps:.2f} (target ≥ {target:.2f})"
        )


if __name__ == "__main__":
    main()
