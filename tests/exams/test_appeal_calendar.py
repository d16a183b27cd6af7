"""Appeal windows count working days (China's calendar with 调休) from the local date of publication."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from lms import clock
from lms.exams import appeals, attempts
from lms.exams.errors import AppealError
from lms.extensions import db as _db
from lms.models import User

from .exam_support import *  # noqa: F401,F403
from .exam_support import answer_for, paper_of, start


def _graded(exam, rep):
    attempt = start(exam, rep)
    attempts.save_answers(
        attempt, {s.id: answer_for(s, i < 5) for i, s in enumerate(paper_of(attempt.id))}, clock.now()
    )
    attempts.finish_attempt(attempt, clock.now())
    _db.session.commit()
    return attempt


def test_a_result_published_wednesday_0308_beijing_counts_from_wednesday(db, exam_factory, make_user, frozen_now):
    frozen_now(datetime(2026, 12, 1, 19, 8))  # Tuesday in UTC, Wednesday 12-02 03:08 in Beijing
    exam, rep = exam_factory(), make_user()
    attempt = _graded(exam, rep)
    assert appeals.published_on(attempt) == date(2026, 12, 2)
    assert appeals.appeal_deadline(attempt) == date(2026, 12, 9)  # was 12-08, counted from the UTC Tuesday
    frozen_now(datetime(2026, 12, 9, 15, 59))  # 23:59 Beijing on the last day: still in time
    appeal = appeals.file_appeal(attempt, _db.session.get(User, rep.id), 1, "题干与指南不一致", clock.now())
    assert appeal.decide_by == date(2026, 12, 23)  # 10 working days from Wednesday 12-09 (local)
    frozen_now(datetime(2026, 12, 9, 16, 1))  # 00:01 on 12-10 in Beijing, still 12-09 in UTC
    with pytest.raises(AppealError, match="申诉期已过"):
        appeals.file_appeal(attempt, _db.session.get(User, rep.id), 2, "题干与指南不一致", clock.now())


def test_the_window_skips_national_day_and_counts_its_make_up_saturday(db, exam_factory, make_user, frozen_now):
    frozen_now(datetime(2026, 9, 30, 2, 0))  # Wednesday 09-30, 10:00 Beijing
    exam, rep = exam_factory(), make_user()
    attempt = _graded(exam, rep)
    # 国庆 10-01 … 10-07 are holidays; Saturday 10-10 is a make-up working day (调休)
    assert appeals.appeal_deadline(attempt) == date(2026, 10, 13)


def test_a_year_the_calendar_does_not_know_is_said_not_guessed(db, exam_factory, make_user, frozen_now, client, auth):
    """A result published where the 5-day window runs into an unknown year: the page says so, filing is refused."""
    frozen_now(datetime(2030, 12, 27, 2, 0))  # chinese-calendar knows no 2030 (nor 2031)
    exam, rep = exam_factory(), make_user()
    attempt = _graded(exam, rep)
    with pytest.raises(AppealError, match="暂时无法受理申诉.*2030"):
        appeals.file_appeal(attempt, _db.session.get(User, rep.id), 1, "题干与指南不一致", clock.now())
    auth.login(rep)
    page = client.get(f"/exams/attempts/{attempt.id}/result")
    assert page.status_code == 200
    assert "申诉期限暂无法计算" in page.get_data(as_text=True) and "COMPANY_CALENDAR_YEARS" in page.get_data(
        as_text=True
    )
