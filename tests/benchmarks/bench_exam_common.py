"""Shared set-up for the exam benchmarks: a throwaway database with the guide bank, an exam open
now, seeded reps, and small HTTP helpers (POST with cookie and CSRF token). Not a benchmark itself.
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import shutil
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import harness

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Seed-pass-1"


def exam_yaml(questions: int = 50) -> str:
    """An exam open now for a day: `questions` questions from the guide bank, points totalling 100."""
    now = datetime.now(UTC)
    points = 100 / questions
    return (
        f"title: 基准考试\nopens: {(now - timedelta(hours=1)).isoformat()}\n"
        f"closes: {(now + timedelta(days=1)).isoformat()}\n"
        f"time_limit_minutes: 120\ngrace_seconds: 60\nattempts: 2\n"
        f"draws:\n  - {{bank: guide, count: {questions}, points: {points:g}}}\n"
    )


@contextmanager
def prepared(database: str, reps: int, questions: int = 50):
    """Yield the environment of a database ready for an exam day ("sqlite" or a PostgreSQL URL)."""
    with tempfile.TemporaryDirectory(prefix="lms-exam-bench-") as folder:
        quizzes = Path(folder) / "quizzes"
        shutil.copytree(REPO / "quizzes" / "guide", quizzes / "guide")
        (quizzes / "exams").mkdir()
        (quizzes / "exams" / "bench.yaml").write_text(exam_yaml(questions), encoding="utf-8")
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}" if database == "sqlite" else database
        env = harness.base_env(
            LMS_DATABASE_URL=url,
            LMS_SECRET_KEY=secrets.token_hex(32),
            LMS_SESSION_COOKIE_SECURE="false",
            LMS_LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
            LMS_LOGIN_LIMIT_PER_ACCOUNT="1000 per minute",
            LMS_QUIZZES_DIR=str(quizzes),
            LMS_PASSWORD_HASH_METHOD="scrypt:1024:8:1",
        )
        if database != "sqlite":
            _reset_postgres(url)
        harness.run_lms(["db", "upgrade"], env) if _has_exam_migration() else _create_all(env)
        harness.run_lms(["content", "sync"], env)
        harness.run_lms(["quizzes", "sync"], env)
        harness.run_lms(["exams", "sync"], env)
        harness.run_lms(["dev", "seed", "--reps", str(reps), "--team-size", "50"], env)
        yield env


def _has_exam_migration() -> bool:
    return any("exam_attempt" in p.read_text() for p in (REPO / "lms" / "migrations" / "versions").glob("*.py"))


def _create_all(env: dict) -> None:
    """Until the lead's migration for the exam tables lands: create the schema from the models."""
    import subprocess
    import sys

    code = (
        "from lms import create_app; from lms.extensions import db; app = create_app({'CLI_MODE': True});"
        "ctx = app.app_context(); ctx.push(); db.create_all()"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def _reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def request(
    port: int, method: str, path: str, cookie: dict, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes, str | None]:
    """One request on a new connection; returns (status, body, Location)."""
    connection = http.client.HTTPConnection(harness.HOST, port, timeout=60)
    try:
        connection.request(method, path, body=body, headers={**cookie, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Location")
    finally:
        connection.close()


class Rep:
    """A signed-in simulated rep: cookie, CSRF token, attempt id and the paper's answerable inputs."""

    def __init__(self, port: int, login: str):
        self.port = port
        self.cookie = harness.sign_in(port, login, PASSWORD)
        connection = http.client.HTTPConnection(harness.HOST, port, timeout=60)
        try:
            connection.request("GET", "/exams/", headers=self.cookie)
            response = connection.getresponse()
            page = response.read()
            if response.getheader("Set-Cookie"):  # the session now holds the CSRF token
                self.cookie = {"Cookie": response.getheader("Set-Cookie").split(";")[0]}
        finally:
            connection.close()
        self.token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        self.attempt = None

    def form(self, path: str, data: dict | None = None):
        body = urllib.parse.urlencode({**(data or {}), "csrf_token": self.token}).encode()
        return request(
            self.port, "POST", path, self.cookie, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def start(self, key: str = "bench") -> int:
        status, _, location = self.form(f"/exams/{key}/start")
        match = re.search(r"/attempts/(\d+)", location or "")
        if status != 302 or not match:
            raise RuntimeError(f"start failed: {status} {location}")
        self.attempt = int(match.group(1))
        return status

    def inputs(self, page: int) -> list[tuple[str, str]]:
        """(slot id, a value to answer with) for each question on page `page`."""
        _, body, _ = request(self.port, "GET", f"/exams/attempts/{self.attempt}?page={page}", self.cookie)
        found = {}
        for kind, slot, value in re.findall(
            r'type="(radio|checkbox|text)"(?: inputmode="decimal")? name="q-(\d+)" value="([^"]*)"', body.decode()
        ):
            found.setdefault(slot, value if kind != "text" else "84")
        return list(found.items())

    def autosave(self, slot: str, value: str) -> tuple[int, bytes]:
        body = json.dumps({"answers": {slot: value}}).encode()
        status, reply, _ = request(
            self.port,
            "POST",
            f"/exams/attempts/{self.attempt}/answers",
            self.cookie,
            body,
            {"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        return status, reply

    def submit(self) -> int:
        return self.form(f"/exams/attempts/{self.attempt}/submit")[0]


def timed(function, *args):
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0
