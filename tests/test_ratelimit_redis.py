"""Sign-in throttling shared across workers through Redis.

Skipped unless LMS_TEST_REDIS_URL points at a Redis server (CI sets it).

Each "worker" is a separate Python process running its own app, as two
gunicorn workers would: inside one process every app shares the one
`limiter` object from lms.extensions, so two in-process apps would share
counters even with memory:// storage and prove nothing. A control run with
memory:// shows that the test can tell the difference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "")
ACCOUNT_LIMIT = 3

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="LMS_TEST_REDIS_URL is not set")


def _worker_config(storage_uri: str, key_prefix: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "ratelimit-test",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "RATELIMIT_STORAGE_URI": storage_uri,
        "RATELIMIT_KEY_PREFIX": key_prefix,
        "LOGIN_LIMIT_PER_ACCOUNT": f"{ACCOUNT_LIMIT} per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "100 per 15 minutes",
    }


def run_worker(storage_uri: str, key_prefix: str, logins: list[str]) -> list[int]:
    """Sign in once per name in `logins` (always with a wrong password) in a new process.

    Returns the HTTP status of each attempt.
    """
    request = json.dumps({"storage_uri": storage_uri, "key_prefix": key_prefix, "logins": logins})
    done = subprocess.run(
        [sys.executable, __file__], input=request, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worker_main() -> None:
    """The worker process: build the app, make the attempts, print the statuses as JSON."""
    from lms import create_app
    from lms.extensions import db

    request = json.load(sys.stdin)
    app = create_app(_worker_config(request["storage_uri"], request["key_prefix"]))
    with app.app_context():
        db.create_all()
    client = app.test_client()
    statuses = [
        client.post("/login", data={"login": login, "password": "wrong-password-1"}).status_code
        for login in request["logins"]
    ]
    print(json.dumps(statuses))


@pytest.fixture
def key_prefix():
    """A prefix of our own for the limiter's keys; only those keys are deleted afterwards."""
    import redis

    prefix = f"lms-test-{uuid.uuid4().hex}"
    yield prefix
    server = redis.Redis.from_url(REDIS_URL)
    keys = list(server.scan_iter(match=f"*{prefix}*"))
    if keys:
        server.delete(*keys)
    server.close()


def test_failed_sign_ins_in_one_worker_count_in_another(key_prefix):
    import redis

    first = run_worker(REDIS_URL, key_prefix, ["ghost-account"] * ACCOUNT_LIMIT)
    assert first == [200] * ACCOUNT_LIMIT  # the sign-in page again, with the error

    server = redis.Redis.from_url(REDIS_URL)
    assert list(server.scan_iter(match=f"*{key_prefix}*")), "no throttling keys were written to Redis"
    server.close()

    second = run_worker(REDIS_URL, key_prefix, ["ghost-account", "another-account"])
    assert second == [429, 200]  # the account is throttled everywhere; others are not


def test_without_redis_each_worker_counts_alone(key_prefix):
    first = run_worker("memory://", key_prefix, ["ghost-account"] * ACCOUNT_LIMIT)
    second = run_worker("memory://", key_prefix, ["ghost-account"])
    assert first == [200] * ACCOUNT_LIMIT
    assert second == [200]


if __name__ == "__main__":
    _worker_main()
