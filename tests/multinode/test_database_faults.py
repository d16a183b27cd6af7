"""PostgreSQL connections ending under the nodes during exam autosaves (what a restart does to them):
requests fail cleanly with a 503 in Chinese, the retry succeeds, and no acknowledged answer is lost.

pg_terminate_backend ends only the nodes' own connections (application_name lms-node) to this test's
database; restarting the server itself would cut every other user of it too.
"""

from __future__ import annotations

import json
import threading
import time

import psycopg
import pytest
from sqlalchemy import select

from lms.errors import DATABASE_UNAVAILABLE
from lms.extensions import db
from lms.models import AttemptResult
from tests.conftest import EXTERNAL_DB, TEST_PASSWORD
from tests.exams.exam_support import *  # noqa: F403 (bank, exam_factory, frozen_now, answer_for, paper_of)
from tests.multinode.conftest import NODE_NAME
from tests.multinode.servers import Visitor

NODE_BACKENDS = """
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = %s AND pid <> pg_backend_pid()
"""


def _connect() -> psycopg.Connection:
    return psycopg.connect(EXTERNAL_DB.replace("postgresql+psycopg://", "postgresql://"))


def terminate_node_connections() -> int:
    """End every connection the nodes hold to the test database; returns how many were ended."""
    with _connect() as connection:
        connection.autocommit = True
        pids = [row[0] for row in connection.execute(NODE_BACKENDS, (NODE_NAME,))]
        for pid in pids:
            connection.execute("SELECT pg_terminate_backend(%s)", (pid,))
    return len(pids)


def _wait_for_a_node_blocked_on_a_lock(watcher: psycopg.Connection, seconds: float = 60.0) -> int:
    """The pid of a node connection waiting for a row lock (bounded wait; fails the test past it)."""
    deadline = time.monotonic() + seconds
    query = NODE_BACKENDS + " AND wait_event_type = 'Lock'"
    while time.monotonic() < deadline:
        row = watcher.execute(query, (NODE_NAME,)).fetchone()
        if row:
            return row[0]
        time.sleep(0.05)
    pytest.fail("no node request reached the locked attempt row")


def save_until_acknowledged(visitor: Visitor, node, attempt_id: int, slot_id: str, answer, statuses: list) -> None:
    """Autosave as the exam page does: a 503 keeps the answer and tries again (bounded)."""
    for _ in range(20):
        reply = visitor.post_json(node, f"/exams/attempts/{attempt_id}/answers", {"answers": {slot_id: answer}})
        statuses.append(reply.status)
        if reply.status == 200:
            return
        assert reply.status == 503, reply.body
        time.sleep(0.1)
    pytest.fail(f"slot {slot_id} was never acknowledged")


def test_a_connection_ended_mid_autosave_gives_a_clean_503_and_the_retry_saves(app, nodes, make_user, exam_factory):
    exam = exam_factory()
    person = make_user()
    visitor = Visitor()
    visitor.sign_in(nodes[0], person.employee_no, TEST_PASSWORD)
    attempt_id = int(visitor.post_form(nodes[0], f"/exams/{exam.key}/start").location.rstrip("/").split("/")[-1])
    with app.app_context():
        slot = paper_of(attempt_id)[0]  # noqa: F405
        answer = answer_for(slot)  # noqa: F405

    replies = []
    with _connect() as holder, _connect() as watcher:
        watcher.autocommit = True
        # Hold the attempt's row: the autosave's first write waits on it, inside its transaction.
        holder.execute("SELECT id FROM exam_attempt WHERE id = %s FOR UPDATE", (attempt_id,))
        path = f"/exams/attempts/{attempt_id}/answers"
        sender = threading.Thread(
            target=lambda: replies.append(visitor.post_json(nodes[0], path, {"answers": {str(slot.id): answer}}))
        )
        sender.start()
        pid = _wait_for_a_node_blocked_on_a_lock(watcher)
        watcher.execute("SELECT pg_terminate_backend(%s)", (pid,))
        sender.join(timeout=60)
        holder.rollback()
    (reply,) = replies
    assert reply.status == 503
    assert reply.headers["content-type"].startswith("application/json")
    assert json.loads(reply.body)["message"] == DATABASE_UNAVAILABLE
    assert reply.headers["retry-after"] == "2"

    statuses = []
    save_until_acknowledged(visitor, nodes[1], attempt_id, str(slot.id), answer, statuses)
    with app.app_context():
        assert paper_of(attempt_id)[0].response  # noqa: F405


def test_autosaves_while_node_connections_keep_ending_lose_no_acknowledged_answer(app, nodes, make_user, exam_factory):
    exam = exam_factory()
    person = make_user()
    visitor = Visitor()
    visitor.sign_in(nodes[0], person.employee_no, TEST_PASSWORD)
    attempt_id = int(visitor.post_form(nodes[0], f"/exams/{exam.key}/start").location.rstrip("/").split("/")[-1])
    with app.app_context():
        slots = paper_of(attempt_id)  # noqa: F405
        wrong = {str(s.id): answer_for(s, right=False) for s in slots}  # noqa: F405
        right = {str(s.id): answer_for(s) for s in slots}  # noqa: F405

    statuses: list[int] = []
    ended = 0
    # Every answer goes in wrong first, then is corrected: the stored one must be the last acknowledged.
    for number, slot_id in enumerate(right):
        for answer in (wrong[slot_id], right[slot_id]):
            ended += terminate_node_connections()
            save_until_acknowledged(visitor, nodes[number % 2], attempt_id, slot_id, answer, statuses)
    assert ended > 0
    assert set(statuses) <= {200, 503}

    submitted = visitor.post_form(nodes[1], f"/exams/attempts/{attempt_id}/submit")
    assert submitted.status == 302
    with app.app_context():
        (result,) = db.session.scalars(select(AttemptResult).where(AttemptResult.attempt_id == attempt_id)).all()
        assert result.score == 100  # every corrected answer was the one kept
        assert all(slot.response for slot in paper_of(attempt_id))  # noqa: F405
