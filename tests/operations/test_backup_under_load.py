"""A backup taken while reps autosave answers holds every answer acknowledged before it started (issue 15, 1).

Real threads autosave through the exam pages (a SQLite file in WAL mode, or
PostgreSQL with LMS_TEST_DATABASE_URL) while the main thread backs up; the
backup is restored into an empty database and a second app serves it.
"""

from __future__ import annotations

import re
import threading

from conftest import TEST_PASSWORD
from exams.exam_support import *  # noqa: F401,F403 (the exam fixtures: bank, frozen_now, exam_factory)
from exams.exam_support import answer_for, paper_of
from sqlalchemy import select

from lms.extensions import db
from lms.models import AttemptQuestion
from lms.operations import backup

REPS = 6


def _signed_in(app, rep):
    client = app.test_client()
    client.post("/login", data={"login": rep.employee_no, "password": TEST_PASSWORD, "csrf_token": client.csrf_token()})
    return client, client.csrf_token()


def _responses(app, attempt_ids):
    with app.app_context():
        rows = db.session.execute(
            select(AttemptQuestion.attempt_id, AttemptQuestion.id, AttemptQuestion.response).where(
                AttemptQuestion.attempt_id.in_(attempt_ids)
            )
        )
        return {(row.attempt_id, row.id): row.response for row in rows}


def test_backup_while_reps_autosave_keeps_every_acknowledged_answer(
    app, app_on, new_database, make_user, exam_factory, tmp_path
):
    exam = exam_factory()
    reps = []
    for person in [make_user() for _ in range(REPS)]:
        client, token = _signed_in(app, person)
        started = client.post(f"/exams/{exam.key}/start", data={"csrf_token": token})
        attempt_id = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))
        with app.app_context():
            answers = [(slot.id, answer_for(slot)) for slot in paper_of(attempt_id)]
        reps.append((person, client, token, attempt_id, answers))

    acknowledged: list[tuple[int, int]] = []
    lock, enough = threading.Lock(), threading.Event()
    failures = []

    def autosave(client, token, attempt_id, answers):
        for slot_id, answer in answers:  # each slot once, so "the answer" of a slot is unambiguous
            response = client.post(
                f"/exams/attempts/{attempt_id}/answers",
                json={"answers": {str(slot_id): answer}},
                headers={"X-CSRFToken": token},
            )
            if response.status_code != 200:
                failures.append(response.status_code)
                continue
            with lock:
                acknowledged.append((attempt_id, slot_id))
                if len(acknowledged) >= REPS * 2:
                    enough.set()

    threads = [threading.Thread(target=autosave, args=rep[1:]) for rep in reps]
    for thread in threads:
        thread.start()
    assert enough.wait(timeout=60)
    with lock:
        before = list(acknowledged)  # acknowledged before the backup started
    with app.app_context():
        path = backup.create_backup(tmp_path / "out").path
        db.session.commit()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    attempt_ids = [rep[3] for rep in reps]
    live = _responses(app, attempt_ids)
    assert all(live[key] is not None for key in acknowledged)  # the run ended with every answer saved

    target = app_on(new_database(), migrate=False)
    result = target.test_cli_runner().invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 0, result.output
    restored = _responses(target, attempt_ids)
    missing = [key for key in before if restored[key] != live[key]]
    assert missing == [], f"{len(missing)} acknowledged answers are not in the backup"

    # The restored app serves them: each rep signs in there and sees their saved answers.
    for person, _client, _token, attempt_id, _answers in reps:
        client, _ = _signed_in(target, person)
        page = client.get(f"/exams/attempts/{attempt_id}")
        assert page.status_code == 200
        shown = int(re.search(r'id="answered-count">(\d+)<', page.get_data(as_text=True)).group(1))
        in_backup = sum(1 for (attempt, _slot), response in restored.items() if attempt == attempt_id and response)
        assert shown == in_backup >= sum(1 for attempt, _slot in before if attempt == attempt_id)
