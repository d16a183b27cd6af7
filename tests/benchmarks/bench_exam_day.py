"""Exam day: N simulated reps (default 1,000) start, autosave every answer and submit, on SQLite
and on PostgreSQL, served by gunicorn on loopback.

    .venv/bin/python tests/benchmarks/bench_exam_day.py [--reps 1000] [--questions 50] [--threads 32]
        [--databases sqlite,postgresql+psycopg://postgres@127.0.0.1:5432/exams_bench] [--starts-only]

Prints, per database: how long the starts took (target ≤ 10 s for all reps), p50/p95 autosave
latency, and the count of errors and of "database is locked" answers (target: zero of both),
plus /healthz requests per second measured in the same run as the baseline.

Several nodes (issue 15), PostgreSQL only:

    .venv/bin/python tests/benchmarks/bench_exam_day.py --reps 3000 --nodes 2 --workers 3 \
        --databases postgresql+psycopg://postgres@127.0.0.1:5432/exams_bench [--redis redis://127.0.0.1:6379/8]
        [--minutes 10] [--pace 30]

starts `--nodes` gunicorn instances (each with `--workers` workers and its own metrics folder, as
lms.observability.gunicorn_conf sets up) on one database, and every rep sends each request to the
next node in turn, as a round-robin proxy would. All reps start (target: all within 60 s); then each
answers one question every `--pace` seconds (3,000 reps every 30 s: 100 autosaves/s), opening each
page of its paper as it reaches it, for `--minutes`; then all submit at once. Prints starts/s,
autosave p50/p95 overall and p95 per minute (target: flat), submit p95, errors (target 0) and lost
answers: acknowledged autosaves whose answer is not in the database afterwards (target 0).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
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
                        # SQLite's "database is locked" now reaches the rep as the 503 for an unavailable database.
                        failures["locked"] += status == 503 or b"database is locked" in body
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


class Clocked:
    """Latencies and failures of one kind of request, kept by the minute they were sent in."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.by_minute: dict[int, list[float]] = {}
        self.errors = 0
        self.statuses: dict[int, int] = {}

    def add(self, minute: int, seconds: float, ok: bool, status: int) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_minute.setdefault(minute, []).append(seconds)
            self.errors += not ok
            if not ok:
                self.statuses[status] = self.statuses.get(status, 0) + 1


class NodeRep(common.Rep):
    """A rep whose every request goes to the next node in turn (a round-robin proxy in front)."""

    def __init__(self, ports: list[int], number: int):
        self.ports, self.turn = ports, number
        super().__init__(ports[number % len(ports)], f"S{number:05d}")
        self.slots: list[tuple[str, str]] = []
        self.acknowledged: dict[str, str] = {}

    def next_node(self) -> None:
        self.turn += 1
        self.port = self.ports[self.turn % len(self.ports)]


@contextlib.contextmanager
def _node(env: dict, folder: Path, workers: int):
    """One gunicorn instance with lms's gunicorn settings and its own metrics folder; yields its port.

    Like harness.gunicorn, but it waits up to two minutes for /healthz: on a loaded two-core machine
    booting several nodes' workers at once takes longer than harness's 30 s.
    """
    folder.mkdir()
    port = harness.free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "python:lms.observability.gunicorn_conf"]
    command += ["--workers", str(workers), "--bind", f"{harness.HOST}:{port}", "--timeout", "120"]
    command += ["--log-level", "warning", "lms:create_app()"]
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(folder)}  # INFO request lines, as in production
    with open(folder / "gunicorn.log", "w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        harness.wait_until_up(port, timeout=120, process=process)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors = [line for line in (folder / "gunicorn.log").read_text().splitlines() if '"level": "ERROR"' in line]
        if errors:
            print(f"  node on port {port}: {len(errors)} error lines, first: {errors[0][:300]}")


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def run_nodes(args: argparse.Namespace, database: str) -> None:
    """The several-nodes exam day: starts, paced autosaves for args.minutes, a submit burst, then the audit."""
    questions, pages = args.questions, -(-args.questions // 5)
    with common.prepared(database, args.reps, questions) as env, contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lms-nodes-")))
        if args.redis:
            env = {**env, "LMS_RATELIMIT_STORAGE_URI": args.redis, "LMS_RATELIMIT_KEY_PREFIX": f"bench-{os.getpid()}"}
        ports = [stack.enter_context(_node(env, folder / f"node-{n}", args.workers)) for n in range(args.nodes)]
        pool = stack.enter_context(ThreadPoolExecutor(args.threads))
        print(
            f"[PostgreSQL] {args.nodes} nodes × gunicorn -w {args.workers}, {args.threads} client threads, "
            f"{args.reps} reps, one answer per rep every {args.pace:g} s for {args.minutes:g} min; {_load()}"
        )
        healthz = harness.measure(ports[0], "/healthz", 1000, args.threads)
        print(f"  /healthz baseline: {healthz.rps:.1f} req/s, p95 {healthz.percentile(0.95) * 1000:.1f} ms")
        started = time.perf_counter()
        people = list(pool.map(lambda n: NodeRep(ports, n), range(1, args.reps + 1)))
        print(f"  signed in {len(people)} reps in {time.perf_counter() - started:.1f} s; {_load()}")

        starts = Clocked()

        def begin(rep: NodeRep) -> None:
            rep.next_node()
            try:
                (status), seconds = common.timed(rep.start)
            except Exception as error:  # counted as an error
                print("start error:", error, file=sys.stderr)
                starts.add(0, 0.0, False, 0)
                return
            starts.add(0, seconds, status == 302, status)

        started = time.perf_counter()
        list(pool.map(begin, people))
        start_seconds = time.perf_counter() - started
        print(
            f"  starts: {args.reps} in {start_seconds:.1f} s ({args.reps / start_seconds:.1f}/s, target all within "
            f"60 s), p95 {common.percentile(starts.latencies, 0.95) * 1000:.0f} ms, {starts.errors} errors; {_load()}"
        )

        saves, pages_seen = Clocked(), Clocked()
        answers_each = min(int(args.minutes * 60 // args.pace), questions)
        phase_started = time.perf_counter()

        late = [0.0]  # the most an autosave went out after its time (client threads all busy)

        def answer(rep: NodeRep, k: int, at: float) -> None:
            now = time.perf_counter() - phase_started
            late[0] = max(late[0], now - at)
            minute = int(now // 60)
            if k % 5 == 0:  # the rep reaches a new page of the paper and opens it
                rep.next_node()
                try:
                    (rep.slots), seconds = common.timed(rep.inputs, min(k // 5 + 1, pages))
                    pages_seen.add(minute, seconds, bool(rep.slots), 200)
                except Exception as error:
                    print("page error:", error, file=sys.stderr)
                    pages_seen.add(minute, 0.0, False, 0)
                    return
            if not rep.slots:
                saves.add(minute, 0.0, False, 0)
                return
            slot, value = rep.slots[k % len(rep.slots)]
            rep.next_node()
            try:
                (status, _body), seconds = common.timed(rep.autosave, slot, value)
            except Exception as error:
                print("autosave error:", error, file=sys.stderr)
                saves.add(minute, 0.0, False, 0)
                return
            saves.add(minute, seconds, status == 200, status)
            if status == 200:
                rep.acknowledged[slot] = value

        # Rep r answers at r·pace/reps, then every pace seconds: an even 100/s for 3,000 reps at 30 s.
        due = sorted(
            (k * args.pace + index * args.pace / len(people), index, k)
            for index in range(len(people))
            for k in range(answers_each)
        )
        lag = 0.0
        futures = []
        for at, index, k in due:
            wait = phase_started + at - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            else:
                lag = max(lag, -wait)
            futures.append(pool.submit(answer, people[index], k, at))
        for future in futures:
            future.result()
        sit_seconds = time.perf_counter() - phase_started
        print(
            f"  autosave: {len(saves.latencies)} in {sit_seconds:.0f} s ({len(saves.latencies) / sit_seconds:.1f}/s), "
            f"p50 {common.percentile(saves.latencies, 0.5) * 1000:.1f} ms, "
            f"p95 {common.percentile(saves.latencies, 0.95) * 1000:.1f} ms, {saves.errors} errors "
            f"{saves.statuses or ''}; sent late by at most {max(lag, late[0]):.2f} s; {_load()}"
        )
        per_minute = "  ".join(
            f"{minute + 1}: {common.percentile(values, 0.95) * 1000:.0f}"
            for minute, values in sorted(saves.by_minute.items())
        )
        print(f"  autosave p95 per minute (ms): {per_minute}")
        print(
            f"  page views: {len(pages_seen.latencies)}, "
            f"p95 {common.percentile(pages_seen.latencies, 0.95) * 1000:.1f} ms, {pages_seen.errors} errors"
        )

        submits = Clocked()

        def finish(rep: NodeRep) -> None:
            rep.next_node()
            try:
                status, seconds = common.timed(rep.submit)
            except Exception as error:
                print("submit error:", error, file=sys.stderr)
                submits.add(0, 0.0, False, 0)
                return
            submits.add(0, seconds, status == 302, status)

        started = time.perf_counter()
        list(pool.map(finish, people))
        submit_seconds = time.perf_counter() - started
        print(
            f"  submit burst: {args.reps} in {submit_seconds:.1f} s, p50 "
            f"{common.percentile(submits.latencies, 0.5) * 1000:.0f} ms, "
            f"p95 {common.percentile(submits.latencies, 0.95) * 1000:.0f} ms, {submits.errors} errors; {_load()}"
        )
        for number, port in enumerate(ports):
            print(f"  node {number + 1} /metrics: {_autosaves_counted(port)} autosaves counted")
        lost, acknowledged, results = _audit(env["LMS_DATABASE_URL"], people)
    errors = starts.errors + saves.errors + pages_seen.errors + submits.errors
    print(
        f"  errors: {errors}; acknowledged answers: {acknowledged}, lost: {lost}; "
        f"results: {results} for {args.reps} attempts (targets: 0 errors, 0 lost, one result each)"
    )


def _autosaves_counted(port: int) -> int:
    """Autosaves this node answered, summed over its workers, as its /metrics reports them."""
    _, body, _ = common.request(port, "GET", "/metrics", {})
    pattern = r'lms_http_requests_total\{endpoint="exams\.autosave",method="POST",status="\d+"\} ([0-9.e+]+)'
    return int(sum(float(value) for value in re.findall(pattern, body.decode())))


def _audit(url: str, people: list[NodeRep]) -> tuple[int, int, int]:
    """(acknowledged answers missing from the database, acknowledged answers, results) after the run."""
    import psycopg

    wanted = [int(slot) for rep in people for slot in rep.acknowledged]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        stored = {
            row[0]
            for row in connection.execute(
                "SELECT id FROM attempt_question"
                " WHERE id = ANY(%s) AND response IS NOT NULL AND answered_at IS NOT NULL",
                (wanted,),
            )
        }
        results = connection.execute(
            "SELECT count(*) FROM attempt_result WHERE attempt_id = ANY(%s)", ([rep.attempt for rep in people],)
        ).fetchone()[0]
    return len(set(wanted) - stored), len(wanted), results


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
    parser.add_argument("--nodes", type=int, default=1, help="app instances (above 1: PostgreSQL only, paced run)")
    parser.add_argument("--minutes", type=float, default=10.0, help="with --nodes: how long reps autosave")
    parser.add_argument("--pace", type=float, default=30.0, help="with --nodes: seconds between a rep's answers")
    parser.add_argument("--redis", default="", help="with --nodes: shared throttling storage (e.g. redis://…/8)")
    args = parser.parse_args()
    for database in args.databases.split(","):
        if args.nodes > 1:
            if database.strip() == "sqlite":
                print("[SQLite] skipped: several nodes share one PostgreSQL database, not one SQLite file")
                continue
            run_nodes(args, database.strip())
            continue
        run(database.strip(), args.reps, args.questions, args.threads, args.workers, args.starts_only)


if __name__ == "__main__":
    main()
