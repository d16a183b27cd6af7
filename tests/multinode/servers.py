"""Real app nodes for the tests: gunicorn instances on free loopback ports, and a small HTTP visitor.

Each node is `gunicorn -c python:lms.observability.gunicorn_conf --workers N "lms:create_app()"`
with its own metrics folder, the settings it is given and its output kept in a file the test can read.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def dead_port() -> int:
    """A loopback port that refuses connections (nothing listens on it), to stand in for a server that is down."""
    return free_port()


@dataclass
class Node:
    port: int
    log_path: Path
    process: subprocess.Popen

    @property
    def name(self) -> str:
        return f"{HOST}:{self.port}"

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def node_env(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment without LMS_* or PROMETHEUS_* variables, plus `settings`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LMS_", "PROMETHEUS_"))}
    env.update(settings)
    return env


def _wait_until_up(node: Node, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            raise RuntimeError(f"gunicorn on {node.name} exited ({node.process.returncode}):\n{node.log_text()}")
        try:
            connection = http.client.HTTPConnection(HOST, node.port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn on {node.name} did not answer /healthz within {timeout:.0f} s:\n{node.log_text()}")


@contextmanager
def gunicorn_node(settings: dict[str, str], workers: int = 2, folder: Path | None = None):
    """One gunicorn instance serving lms with `settings` (LMS_* variables); yields its Node, stops it after."""
    with ExitStack() as stack:
        folder = folder or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lms-node-")))
        port = free_port()
        metrics = folder / f"metrics-{port}"
        metrics.mkdir()
        log_path = folder / f"node-{port}.log"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:lms.observability.gunicorn_conf",
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
            "--timeout",
            "120",
            "lms:create_app()",
        ]
        env = node_env({**settings, "PROMETHEUS_MULTIPROC_DIR": str(metrics)})
        with open(log_path, "w", encoding="utf-8") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        node = Node(port, log_path, process)
        try:
            _wait_until_up(node)
            yield node
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # quick shutdown: nothing is left to finish
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextmanager
def gunicorn_nodes(count: int, settings: dict[str, str], workers: int = 2):
    """`count` nodes with the same settings (one database, one Redis, one secret); yields their list."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lms-nodes-")))
        yield [stack.enter_context(gunicorn_node(settings, workers, folder)) for _ in range(count)]


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Visitor:
    """A person's browser, reduced to its cookies: it may send each request to any node."""

    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def request(self, node: Node, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection(HOST, node.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for header in response.headers.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            reply = Reply(response.status, text, {key.lower(): value for key, value in response.getheaders()})
        finally:
            connection.close()
        token = re.search(r'name="csrf-token" content="([^"]+)"', reply.body)
        if token:
            self.csrf = token.group(1)
        return reply

    def get(self, node: Node, path: str, headers: dict | None = None) -> Reply:
        return self.request(node, "GET", path, headers=headers)

    def post_form(self, node: Node, path: str, data: dict | None = None) -> Reply:
        if not self.csrf:
            self.get(node, "/login")
        body = urllib.parse.urlencode({**(data or {}), "csrf_token": self.csrf}).encode()
        return self.request(node, "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, node: Node, path: str, payload: dict) -> Reply:
        import json

        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": self.csrf}
        return self.request(node, "POST", path, body, headers)

    def sign_in(self, node: Node, login: str, password: str) -> Reply:
        """Sign in through the form, then open the page it leads to (which stores the session's CSRF token)."""
        self.get(node, "/login")
        reply = self.post_form(node, "/login", {"login": login, "password": password})
        if reply.status == 302:
            self.get(node, "/account/password")
        return reply
