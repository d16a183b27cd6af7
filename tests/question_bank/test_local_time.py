"""The bank browser shows the last sync in LMS_TIMEZONE, without a "UTC" label."""

from datetime import datetime

from lms import clock
from lms.question_bank.loader import load_banks
from lms.question_bank.sync import sync_banks


def test_last_sync_reads_in_beijing_time(client, auth, make_user, db, quizzes_dir, sample_texts, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 1, 19, 8))
    sync_banks(load_banks(quizzes_dir), sample_texts)
    db.session.commit()
    auth.login(make_user(roles=("hr",)))
    page = client.get("/exams/bank/s-2.1-01").get_data(as_text=True)
    assert "<dt>最近同步</dt><dd>2026-12-02 03:08" in page and "UTC" not in page
