"""Requests per second of the sign-in page against /healthz, served by gunicorn.

    .venv/bin/python tests/benchmarks/bench_login_page.py [--requests 2000] [--threads 4]

Builds a throwaway SQLite database (`lms db upgrade`, `lms dev seed --reps 200`),
serves `lms:create_app()` with gunicorn on 127.0.0.1, and measures both pages
in the same run. The ratio login/healthz is the number to compare across
changes: /healthz is one `SELECT 1`, so it shows what the machine can do,
and the ratio shows what rendering the sign-in page costs on top.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per page (default 2000)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--reps", type=int, default=200, help="seeded sales reps (default 200)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lms-bench-") as folder:
        env = harness.base_env(
            LMS_DATABASE_URL=f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
            LMS_SECRET_KEY=secrets.token_hex(32),
        )
        harness.run_lms(["db", "upgrade"], env)
        print(harness.run_lms(["dev", "seed", "--reps", str(args.reps)], env))
        with harness.gunicorn("lms:create_app()", env, workers=args.workers) as port:
            warmup = max(50, args.requests // 20)
            for path in ("/healthz", "/login"):
                harness.measure(port, path, warmup, args.threads)
            results = [harness.measure(port, path, args.requests, args.threads) for path in ("/login", "/healthz")]

    print(f"gunicorn -w {args.workers}, {args.threads} client threads, loopback, SQLite")
    for result in results:
        print(result.line())
    login, healthz = results
    print(f"ratio login/healthz: {login.rps / healthz.rps:.2f}")
    if login.errors or healthz.errors:
        raise SystemExit("some requests failed; the figures above are not comparable")


if __name__ == "__main__":
    main()
