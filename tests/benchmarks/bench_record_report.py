"""Requests per second of HR's incentive period report for 2,000 people against /healthz, served by gunicorn.

    .venv/bin/python tests/benchmarks/bench_record_report.py [--people 2000] [--requests 400] [--rounds 3]

Builds a throwaway SQLite database (`lms db upgrade`), then, in this process,
2,000 sales reps in 20 teams and one HR officer, and 2026-Q1..Q3 grades for
everyone appended to the ledger through `append_fact` (6,000 facts, grades
varied so that some people meet 连续3个季度 ≥A and some are one step away).
gunicorn serves it; HR signs in, and the first page of the 2026-Q3 report
(50 people, each evaluated rule by rule) and /healthz are measured in
alternating rounds. The report filtered to "符合任一规则" evaluates all 2,000
on every request, and is measured and printed too, for information.

Target (issue 14): the report at least 0.10× the requests per second of
/healthz. The query count (the same for 2,000 people as for 200) is a test:
tests/incentives/test_views.py. `measure_period_report()` is what
bench_record.py calls; run alone, this script prints the same lines.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

REPORT = "/record/report?period=2026-Q3"
REPORT_ALL = "/record/report?period=2026-Q3&rule=any"
HR_LOGIN, HR_PASSWORD = "HR0001", "Bench-pass-1"
GRADES = ("S", "A", "A", "B", "A", "C", "A", "S", "B", "D")
TARGET = 0.10


def seed(database_url: str, people: int) -> None:
    """Create `people` reps, one HR officer and three quarters of grades each, through the app's own code."""
    from lms import create_app
    from lms.auth.service import hash_password
    from lms.extensions import db
    from lms.models import FactKind, User
    from lms.record.service import append_fact

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-seed", "CLI_MODE": True})
    with app.app_context():
        hr = User(
            employee_no=HR_LOGIN, name="人事基准", email="hr@bench.test", password_hash=hash_password(HR_PASSWORD)
        )
        hr.set_roles({"hr"})
        reps = []
        for number in range(1, people + 1):
            rep = User(employee_no=f"B{number:05d}", name=f"销售{number}", email=f"b{number}@bench.test")
            rep.team = f"T{number % 20:02d}"
            rep.set_roles({"rep"})
            reps.append(rep)
        db.session.add_all([hr, *reps])
        db.session.flush()
        at = datetime(2026, 10, 12, 2, 0)
        for index, rep in enumerate(reps):
            for offset, quarter in enumerate(("2026-Q1", "2026-Q2", "2026-Q3")):
                grade = GRADES[(index + offset * 3) % len(GRADES)]
                payload = {
                    "period": quarter,
                    "period_kind": "quarter",
                    "score": None,
                    "grade": grade,
                    "kpi_rate": Decimal(90 + (index * 7 + offset) % 40),
                    "satisfaction_percentile": Decimal((index * 13 + offset) % 100 + 1),
                    "import_id": offset + 1,
                    "reason": None,
                }
                append_fact(
                    FactKind.PERFORMANCE_GRADE,
                    subject_id=rep.id,
                    occurred_at=at,
                    source=f"performance_grade:{index * 3 + offset + 1}",
                    payload=payload,
                    recorded_by_id=hr.id,
                )
        db.session.commit()
        db.engine.dispose()


def measure_period_report(
    people: int = 2000, requests: int = 400, threads: int = 4, workers: int = 2, rounds: int = 3, quiet: bool = False
) -> dict:
    """Seed, serve and measure; print the figures (unless `quiet`) and return them.

    Returns {"people", "report_rps", "healthz_rps", "ratio", "all_rps", "all_ratio", "target", "errors"},
    the ratios being medians over `rounds` alternating rounds.
    """
    with tempfile.TemporaryDirectory(prefix="lms-bench-report-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        env = harness.base_env(
            LMS_DATABASE_URL=url,
            LMS_SECRET_KEY=secrets.token_hex(32),
            LMS_SESSION_COOKIE_SECURE="false",
            LMS_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
        )
        harness.run_lms(["db", "upgrade"], env)
        seed(url, people)
        with harness.gunicorn("lms:create_app()", env, workers=workers) as port:
            cookie = harness.sign_in(port, HR_LOGIN, HR_PASSWORD)
            for path, headers in (("/healthz", None), (REPORT, cookie)):
                harness.measure(port, path, max(20, requests // 10), threads, headers=headers)
            # The whole-list report takes seconds: one request per worker at a time, so none waits past
            # the client's 10 s timeout behind the others.
            harness.measure(port, REPORT_ALL, workers, workers, headers=cookie)
            measured = []
            for _ in range(rounds):
                report = harness.measure(port, REPORT, requests, threads, headers=cookie)
                healthz = harness.measure(port, "/healthz", requests * 4, threads)
                everyone = harness.measure(port, REPORT_ALL, 4 * workers, workers, headers=cookie)
                measured.append((report, healthz, everyone))
    errors = sum(m.errors for round_ in measured for m in round_)
    ratio = statistics.median(report.rps / healthz.rps for report, healthz, _ in measured)
    all_ratio = statistics.median(everyone.rps / healthz.rps for _, healthz, everyone in measured)
    result = {
        "people": people,
        "report_rps": statistics.median(report.rps for report, _, _ in measured),
        "healthz_rps": statistics.median(healthz.rps for _, healthz, _ in measured),
        "ratio": ratio,
        "all_rps": statistics.median(everyone.rps for _, _, everyone in measured),
        "all_ratio": all_ratio,
        "target": TARGET,
        "errors": errors,
    }
    if not quiet:
        print(f"HR period report, {people} people, gunicorn -w {workers}, {threads} client threads, SQLite, signed in")
        for report, healthz, everyone in measured:
            print(report.line())
            print(healthz.line())
            print(everyone.line())
        print(f"ratio report/healthz (median of {rounds} rounds): {ratio:.2f} (target ≥ {TARGET:.2f})")
        print(f"ratio report filtered to 符合任一规则 (all {people} evaluated)/healthz: {all_ratio:.3f} (no target)")
        if errors:
            print(f"{errors} requests failed: the figures are not comparable")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000, help="reps in the report (default 2000)")
    parser.add_argument("--requests", type=int, default=400, help="report requests per round (default 400)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args()
    result = measure_period_report(args.people, args.requests, args.threads, args.workers, args.rounds)
    if result["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
