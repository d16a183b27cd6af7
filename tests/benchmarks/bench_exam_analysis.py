"""Item analysis over 10,000 graded attempts against a single-row primary-key query, in one run.

    .venv/bin/python tests/benchmarks/bench_exam_analysis.py [--attempts 10000]

Builds a SQLite file with the guide bank, a 50-question exam and N synthetic graded attempts
(result facts written directly, then tallied as `lms exams rebuild-tallies` does), then times in-process: a primary-key lookup (median of 200),
the item-analysis page for HR cold (first render computes) and warm (median of 20; the
analysis is cached per process until a new result arrives). Target (issue 6): the page within
60× the primary-key query.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from lms import create_app
from lms.assessments import catalog, tallies
from lms.assessments.definitions import load_definition
from lms.auth.service import hash_password
from lms.exams.loader import load_banks
from lms.exams.sync import sync_banks
from lms.extensions import db
from lms.models import AttemptResult, ExamAttempt, Question, User

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lms-items-") as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/items.sqlite3", "SECRET_KEY": "bench",
                          "SESSION_COOKIE_SECURE": False, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
                          "SERVER_NAME": "lms.bench"})
        with app.app_context():
            db.create_all()
            exam_id, hr_id = _populate(args.attempts)
            pk = _time_pk(hr_id)
        client = app.test_client()
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"login": "HR1", "password": "Bench-pass-1", "csrf_token": token})
        started = time.perf_counter()
        response = client.get("/exams/manage/2026-Q4/items")
        cold = time.perf_counter() - started
        assert response.status_code == 200 and "难度系数" in response.get_data(as_text=True)
        warm = []
        for _ in range(20):
            started = time.perf_counter()
            client.get("/exams/manage/2026-Q4/items")
            warm.append(time.perf_counter() - started)
        with app.app_context():
            db.engine.dispose()
    warm_median = statistics.median(warm)
    print(f"{args.attempts} graded attempts × 50 questions, SQLite file, in-process")
    print(f"primary-key query  {pk * 1000:8.3f} ms (median of 200)")
    print(f"item analysis cold {cold * 1000:8.1f} ms  ratio {cold / pk:7.1f}×")
    print(f"item analysis warm {warm_median * 1000:8.1f} ms  ratio {warm_median / pk:7.1f}× (target ≤ 60×)")


def _populate(count: int) -> tuple[int, int]:
    sync_banks([bank for bank in load_banks(REPO / "quizzes") if bank.name == "guide"], {})
    definition = load_definition(REPO / "quizzes" / "exams" / "2026-Q4.yaml")
    catalog.sync_exams([definition])
    exam = catalog.get_exam("2026-Q4")
    hr = User(employee_no="HR1", name="人事", email="hr@bench.example", active=True, password_hash=hash_password("Bench-pass-1"))
    hr.set_roles({"hr"})
    db.session.add(hr)
    db.session.flush()
    questions = db.session.execute(select(Question.id, Question.type)).all()
    rng = random.Random(1)
    now = datetime.now(UTC).replace(tzinfo=None)
    users = [{"employee_no": f"R{n:05d}", "name": f"销售{n}", "email": f"r{n}@bench.example", "active": True,
              "team": f"团队{n % 20}"} for n in range(count)]
    db.session.execute(insert(User), users)
    ids = db.session.scalars(select(User.id).where(User.employee_no.like("R%")).order_by(User.id)).all()
    db.session.execute(insert(ExamAttempt), [
        {"exam_id": exam.id, "user_id": uid, "number": 1, "status": "finished", "started_at": now,
         "deadline_at": now + timedelta(hours=1), "finished_at": now, "finish_reason": "submitted"} for uid in ids])
    attempt_ids = db.session.scalars(select(ExamAttempt.id).order_by(ExamAttempt.id)).all()
    rows = []
    for attempt_id, uid in zip(attempt_ids, ids):
        ability = rng.random()
        paper = rng.sample(questions, 50)
        items = []
        for qid, qtype in paper:
            right = rng.random() < 0.3 + 0.6 * ability
            chosen = rng.choice("abcd") if qtype in ("single", "multiple") else ""
            items.append([qid, "2" if right else "0", "1" if right else "0", chosen, False])
        score = sum(int(i[1]) for i in items)
        rows.append({"attempt_id": attempt_id, "exam_id": exam.id, "user_id": uid, "sequence": 1, "score": score,
                     "points_awarded": score, "points_possible": 100, "passed": score >= 80, "breakdown": {},
                     "items": items, "reason": "submitted", "graded_at": now})
    db.session.execute(insert(AttemptResult), rows)
    tallies.rebuild(exam.id)  # facts written directly, so counted as `lms exams rebuild-tallies` does
    db.session.commit()
    return exam.id, hr.id


def _time_pk(user_id: int) -> float:
    timings = []
    for _ in range(200):
        db.session.expunge_all()
        started = time.perf_counter()
        db.session.execute(select(User).where(User.id == user_id)).scalar_one()
        timings.append(time.perf_counter() - started)
    db.session.rollback()
    return statistics.median(timings)


if __name__ == "__main__":
    main()
