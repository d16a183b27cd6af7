"""The verification page's limit is shared across workers through Redis (skipped unless LMS_TEST_REDIS_URL is set).

Each worker is its own process with its own app, as gunicorn workers are; a
memory:// control run shows the test can tell shared counters from per-process ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "")
LIMIT = 3

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="LMS_TEST_REDIS_URL is not set")


def run_worker(storage_uri: str, key_prefix: str, requests: int) -> list[int]:
    """GET an unknown verification id `requests` times in a new process; the statuses."""
    payload = json.dumps({"storage_uri": storage_uri, "key_prefix": key_prefix, "requests": requests})
    done = subprocess.run(
        [sys.executable, __file__], input=payload, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worker_main() -> None:
    from lms import create_app
    from lms.extensions import db

    request = json.load(sys.stdin)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "verify-limit-test",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": request["storage_uri"],
            "RATELIMIT_KEY_PREFIX": request["key_prefix"],
            "CERTIFICATE_VERIFY_LIMIT": f"{LIMIT} per minute",
        }
    )
    with app.app_context():
        db.create_all()
    client = app.test_client()
    print(json.dumps([client.get("/verify/AAAAAAAAAAAAAAAAAAAAAA").status_code for _ in range(request["requests"])]))


def test_two_workers_share_the_verification_limit():
    prefix = f"verify-{uuid.uuid4().hex}"
    assert run_worker(REDIS_URL, prefix, 2) == [404, 404]
    assert run_worker(REDIS_URL, prefix, 2) == [404, 429]


def test_control_memory_storage_counts_per_process():
    prefix = f"verify-{uuid.uuid4().hex}"
    assert run_worker("memory://", prefix, 2) == [404, 404]
    assert run_worker("memory://", prefix, 2) == [404, 404]


if __name__ == "__main__":
    _worker_main()
