"""Requests per second of the team skill matrix (2,000 people) and of a rep's /skills page, against /healthz.

    .venv/bin/python tests/benchmarks/bench_skills.py [--requests 1000] [--threads 4] [--rounds 5]

Builds a throwaway SQLite database with the shipped course, bank and tracks
(`lms db upgrade`, `lms content sync`, `lms quizzes sync`), 2,000 reps and
their mentors in teams of 20 (`lms dev seed`), and a fixed spread of levels
with their evidence (tests/tracks/skill_seed.py: about half the people hold
one to four levels, some none). HR signs in for the matrix (everyone: the
largest matrix there is) and the first seeded rep for /skills. Each round
interleaves the three pages in ten slices (a tenth of the requests of each
page in turn), so a burst of load elsewhere on a shared machine hits all
three alike: measured one after the other, the short /healthz run caught a
different moment from the long matrix run and the ratio swung fourfold
between rounds. The ratios are the medians over the rounds.
Targets (issue 13): matrix ≥ 0.10×, /skills ≥ 0.30×.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # tests/: the seeder lives in tests/tracks

import harness  # noqa: E402

MATRIX = "/skills/team/"
SKILLS = "/skills/"
REPS, TEAM_SIZE = 2000, 20
HR_LOGIN, REP_LOGIN, PASSWORD = "bench-hr", "S00001", "Seed-pass-1"


def seed_levels(database_url: str) -> int:
    """An HR officer and the spread of levels for every seeded rep; returns how many people the matrix lists."""
    from sqlalchemy import func, select
    from tracks.skill_seed import grant_levels, spread_of_levels

    from lms import create_app
    from lms.auth.service import hash_password
    from lms.extensions import db
    from lms.models import User, UserRole

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "CLI_MODE": True})
    with app.app_context():
        reps = select(User.id).where(User.role_rows.any(role="rep")).order_by(User.employee_no)
        people = list(db.session.scalars(reps))
        hr = User(employee_no=HR_LOGIN, name="基准人事", email="bench-hr@example.com", active=True)
        hr.password_hash = hash_password(PASSWORD)
        hr.role_rows = [UserRole(role="hr")]
        db.session.add(hr)
        db.session.flush()
        grant_levels(db.session, spread_of_levels(people), assessor_id=hr.id)
        db.session.commit()
        listed = db.session.scalar(select(func.count()).select_from(reps.subquery()))
        db.engine.dispose()
    return listed


SLICES = 10


def interleaved(port: int, pages: dict, requests: int, threads: int) -> dict[str, harness.Measurement]:
    """One round: every page measured in SLICES turns, one slice of each after the other; totals per page."""
    slices: dict[str, list[harness.Measurement]] = {path: [] for path in pages}
    for _ in range(SLICES):
        for path, headers in pages.items():
            slices[path].append(harness.measure(port, path, max(1, requests // SLICES), threads, headers=headers))
    return {
        path: harness.Measurement(
            path,
            sum(m.requests for m in measured),
            sum(m.errors for m in measured),
            sum(m.seconds for m in measured),
            [latency for m in measured for latency in m.latencies],
        )
        for path, measured in slices.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per page and round (default 1000)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the three pages (default 5)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lms-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        env = harness.base_env(
            LMS_DATABASE_URL=url,
            LMS_SECRET_KEY=secrets.token_hex(32),
            LMS_SESSION_COOKIE_SECURE="false",
            LMS_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
        )
        harness.run_lms(["db", "upgrade"], env)
        harness.run_lms(["content", "sync"], env)
        harness.run_lms(["quizzes", "sync"], env)
        print(harness.run_lms(["dev", "seed", "--reps", str(REPS), "--team-size", str(TEAM_SIZE)], env))
        listed = seed_levels(url)
        print(f"the matrix lists {listed} people")
        with harness.gunicorn("lms:create_app()", env, workers=args.workers) as port:
            pages = {
                MATRIX: harness.sign_in(port, HR_LOGIN, PASSWORD),
                SKILLS: harness.sign_in(port, REP_LOGIN, PASSWORD),
                "/healthz": None,
            }
            for path, headers in pages.items():
                harness.measure(port, path, max(100, args.requests // 5), args.threads, headers=headers)
            rounds = [interleaved(port, pages, args.requests, args.threads) for _ in range(args.rounds)]

    print(f"gunicorn -w {args.workers}, {args.threads} client threads, loopback, SQLite, signed in")
    for measured in rounds:
        for measurement in measured.values():
            print(measurement.line())
        if any(measurement.errors for measurement in measured.values()):
            raise SystemExit("some requests failed; the figures above are not comparable")
    for path, label, target in ((MATRIX, f"matrix ({listed} people)", 0.10), (SKILLS, "rep's /skills", 0.30)):
        ratios = [measured[path].rps / measured["/healthz"].rps for measured in rounds]
        median = statistics.median(ratios)
        verdict = "met" if median >= target else "MISSED"
        print(
            f"ratio {label}/healthz (median of {len(ratios)} rounds): {median:.2f} (target ≥ {target:.2f}, {verdict})"
        )


if __name__ == "__main__":
    main()
