"""Two real gunicorn nodes sharing the test PostgreSQL database and the test Redis.

Skipped unless both LMS_TEST_DATABASE_URL (PostgreSQL) and LMS_TEST_REDIS_URL are set, as in CI's
PostgreSQL + Redis step: SQLite is one file on one machine, and memory:// throttling is one
process, so "several nodes" means nothing without them. The `app` fixture made the schema and
empties it after each test; the nodes use it with the same secret key as the test process, so
option tokens the test computes are the ones the nodes expect.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import EXTERNAL_DB, _test_config
from tests.multinode.servers import gunicorn_nodes

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "")
NODE_NAME = "lms-node"  # application_name of the nodes' PostgreSQL connections
ACCOUNT_LIMIT = 3

pytestmark = pytest.mark.skipif(
    not (EXTERNAL_DB.startswith("postgresql") and REDIS_URL),
    reason="several nodes need a shared PostgreSQL and Redis: set LMS_TEST_DATABASE_URL and LMS_TEST_REDIS_URL",
)


def pytest_collection_modifyitems(items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytestmark)


def node_database_url() -> str:
    """The test database, with the nodes' connections named so a test can find (and end) them."""
    return EXTERNAL_DB + ("&" if "?" in EXTERNAL_DB else "?") + f"application_name={NODE_NAME}"


def _delete_keys(prefix: str) -> None:
    import redis

    server = redis.Redis.from_url(REDIS_URL)
    keys = list(server.scan_iter(match=f"*{prefix}*"))
    if keys:
        server.delete(*keys)
    server.close()


@pytest.fixture(scope="package")
def redis_prefix():
    """A throttling key prefix of this run's own; its Redis keys are deleted afterwards."""
    prefix = f"lms-multinode-{uuid.uuid4().hex}"
    yield prefix
    _delete_keys(prefix)


@pytest.fixture(autouse=True)
def _fresh_throttling(redis_prefix):
    """Every test starts with no failed sign-ins counted (people are numbered E0001… again in each test)."""
    yield
    _delete_keys(redis_prefix)


@pytest.fixture(scope="package")
def node_settings(redis_prefix) -> dict[str, str]:
    test = _test_config()
    return {
        "LMS_DATABASE_URL": node_database_url(),
        "LMS_SECRET_KEY": test["SECRET_KEY"],
        "LMS_SESSION_COOKIE_SECURE": "false",
        "LMS_RATELIMIT_STORAGE_URI": REDIS_URL,
        "LMS_RATELIMIT_KEY_PREFIX": redis_prefix,
        "LMS_LOGIN_LIMIT_PER_ACCOUNT": f"{ACCOUNT_LIMIT} per 15 minutes",
        "LMS_PASSWORD_HASH_METHOD": test["PASSWORD_HASH_METHOD"],
    }


@pytest.fixture(scope="package")
def running_nodes(node_settings):
    """Two gunicorn instances (two workers each) on free ports, started once for this package.

    They stop after its last test, so no idle connection of theirs outlives it into other tests.

    They outlive each test's data (the `app` fixture empties the tables), and so do their caches:
    a cache that kept anything of an earlier test's rows would show here as a wrong page.
    """
    with gunicorn_nodes(2, node_settings, workers=2) as running:
        yield running


@pytest.fixture
def nodes(app, running_nodes):
    """The two nodes, for a test whose data the `app` fixture set up (schema) and empties afterwards."""
    return running_nodes
