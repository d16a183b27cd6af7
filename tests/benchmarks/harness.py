"""Shared pieces for the benchmarks: a free port, gunicorn on loopback, requests per second.

Benchmarks are scripts (bench_*.py), not tests: pytest does not collect them.
Everything stays on 127.0.0.1 and every run is bounded by a request count.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def venv_script(name: str) -> str:
    """The console script `name` beside the running interpreter (the project's virtualenv)."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install the project first (pip install -e '.[test]')")
    return found


def run_lms(args: list[str], env: dict[str, str]) -> str:
    """Run `lms ARGS…` and return its output; stop the benchmark if it fails."""
    done = subprocess.run([venv_script("lms"), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"lms {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def get(port: int, path: str, timeout: float = 10.0, headers: dict[str, str] | None = None) -> int:
    """One GET on a new connection (gunicorn's sync workers close after each response)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_until_up(port: int, path: str = "/healthz", timeout: float = 120.0, process=None) -> None:
    """Poll `path` until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {process.returncode} before answering")
        try:
            if get(port, path, timeout=2) == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"no answer from http://{HOST}:{port}{path} within {timeout:.0f}s")


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int = 2, port: int | None = None):
    """Serve `app` (e.g. "lms:create_app()") with gunicorn on loopback; yields the port.

    gunicorn's output goes to a temporary file (a pipe nobody reads could
    fill up and stall the workers) and is printed if it fails to start.
    """
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        app,
    ]
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                wait_until_up(port, process=process)
            except SystemExit:
                process.kill()
                process.wait()
                log.seek(0)
                print(log.read(), file=sys.stderr)
                raise
            yield port
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # graceful stop of master and workers
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@dataclass
class Measurement:
    path: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0

    def line(self) -> str:
        return (
            f"{self.path:<10} {self.rps:9.1f} req/s  "
            f"p50 {self.percentile(0.5) * 1000:6.1f} ms  p95 {self.percentile(0.95) * 1000:6.1f} ms  "
            f"({self.requests} requests, {self.errors} errors, {self.seconds:.2f} s)"
        )


def measure(
    port: int, path: str, requests: int, threads: int, expect_status: int = 200, headers: dict[str, str] | None = None
) -> Measurement:
    """Send `requests` GETs to `path` from `threads` client threads; count the wrong answers."""
    remaining = iter(range(requests))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0

    def client() -> None:
        nonlocal errors
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            started = time.perf_counter()
            try:
                ok = get(port, path, headers=headers) == expect_status
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += not ok

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return Measurement(path, requests, errors, time.perf_counter() - started, latencies)


def base_env(**overrides: str) -> dict[str, str]:
    """The current environment without any LMS_* settings, plus `overrides`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(overrides)
    return env


def sign_in(port: int, login: str, password: str) -> dict[str, str]:
    """Sign in through the real form; returns the Cookie header of the signed-in session."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", "/login")
        page = connection.getresponse()
        body = page.read().decode()
        cookie = page.getheader("Set-Cookie", "").split(";")[0]
        token = re.search(r'name="csrf-token" content="([^"]+)"', body).group(1)
    finally:
        connection.close()
    form = urllib.parse.urlencode({"login": login, "password": password, "csrf_token": token})
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request(
            "POST",
            "/login",
            body=form,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        response.read()
        if response.status != 302:
            raise SystemExit(f"sign-in as {login} failed: HTTP {response.status}")
        cookie = response.getheader("Set-Cookie", "").split(";")[0]
        landing = urllib.parse.urlsplit(response.getheader("Location", "/")).path or "/"
    finally:
        connection.close()
    return {"Cookie": _follow_like_a_browser(port, landing, cookie)}


def _follow_like_a_browser(port: int, path: str, cookie: str) -> str:
    """GET the page sign-in redirects to and keep whatever cookie it sets.

    Sign-in starts a fresh session, so the first page stores a new CSRF token
    in it; a browser keeps that cookie, and a benchmark that did not would pay
    for a new token and a Set-Cookie on every request.
    """
    for _ in range(3):  # the dashboard may redirect once more, to the reader's own home
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            updated = response.getheader("Set-Cookie")
            cookie = updated.split(";")[0] if updated else cookie
            if response.status == 200:
                return cookie
            if response.status not in (301, 302, 303):
                break
            path = urllib.parse.urlsplit(response.getheader("Location", "/")).path or "/"
        finally:
            connection.close()
    raise SystemExit(f"the page after sign-in ({path}) answered HTTP {response.status}")
