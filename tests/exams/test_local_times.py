"""Exam times a person sees are in the company's zone (LMS_TIMEZONE, Beijing by default), stored as UTC."""

from __future__ import annotations

from datetime import datetime

from lms import clock
from lms.exams import attempts
from lms.extensions import db as _db

from .exam_support import *  # noqa: F401,F403
from .exam_support import answer_for, paper_of, start


def test_roster_csv_and_pages_show_beijing_time(app, client, auth, make_user, exam_factory, frozen_now):
    frozen_now(datetime(2026, 12, 1, 19, 8))  # 03:08 on 12-02 in Beijing
    exam, rep, hr = exam_factory(time_limit_minutes=60), make_user(), make_user(roles=("hr",))
    with app.app_context():
        attempt = start(exam, rep)
        attempts.save_answers(attempt, {s.id: answer_for(s) for s in paper_of(attempt.id)}, clock.now())
        attempts.finish_attempt(attempt, clock.now())
        _db.session.commit()
        second = start(exam, rep)
    auth.login(rep)
    listing = client.get("/exams/").get_data(as_text=True)
    assert "作答中，截止 2026-12-02 04:08" in listing  # 20:08 UTC
    assert "2026-12-02 02:08 — 2026-12-03 03:08" in listing  # the window, from 18:08 to 19:08 UTC next day
    assert "截止时间 2026-12-02 04:08" in client.get(f"/exams/attempts/{second.id}").get_data(as_text=True)
    auth.logout()
    auth.login(hr)
    csv_text = client.get(f"/exams/manage/{exam.key}/roster.csv").get_data(as_text=True)
    assert "评分时间" in csv_text and "2026-12-02 03:08" in csv_text and "2026-12-01 19:08" not in csv_text
