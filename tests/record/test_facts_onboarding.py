"""Finishing the onboarding program writes one onboarding_finished fact, on time or late, with the days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from lms.courses import service as courses
from lms.extensions import db as _db
from lms.models import FactKind, Lesson, LessonProgress, RecordEntry, User
from lms.record import rebuild


def _facts():
    return list(
        _db.session.scalars(
            select(RecordEntry).where(RecordEntry.kind == FactKind.ONBOARDING_FINISHED).order_by(RecordEntry.seq)
        )
    )


def _complete(person, clause_id):
    courses.mark_complete(
        _db.session.get(User, person.id), _db.session.scalars(select(Lesson).filter_by(clause_id=clause_id)).one()
    )
    _db.session.commit()


def test_finishing_late_records_calendar_and_working_days(client, auth, app, make_user, make_lesson, program_dir, at):
    make_lesson("1.1"), make_lesson("1.2"), make_lesson("2.1")
    rep = make_user(hire_date=date(2026, 10, 15))  # due 2026-11-15, a Sunday
    auth.login(rep)
    at(datetime(2026, 11, 10, 2, 0))
    client.post_form("/course/1.1/complete")
    client.post_form("/course/2.1/complete")  # not in the program
    with app.app_context():
        assert _facts() == []
    # 03:30 on Friday 20 November in Beijing is still Thursday in UTC: the local day counts.
    finished_at = at(datetime(2026, 11, 19, 19, 30))
    client.post_form("/course/1.2/complete")
    client.post_form("/course/1.2/complete")  # again: already complete, nothing new
    with app.app_context():
        [fact] = _facts()
        assert (fact.subject_id, fact.source, fact.occurred_at) == (rep.id, f"user:{rep.id}", finished_at)
        assert fact.payload_data == {
            "hire_date": "2026-10-15",
            "due_date": "2026-11-15",
            "finished_on": "2026-11-20",
            "on_time": False,
            "days_late": 5,
            "working_days_late": 5,  # Monday 16 to Friday 20
        }
        assert rebuild.check().ok


def test_finishing_on_the_due_day_is_on_time(app, make_user, make_lesson, program_dir, at):
    make_lesson("1.1"), make_lesson("1.2")
    rep = make_user(hire_date=date(2026, 10, 15))
    with app.app_context():
        at(datetime(2026, 11, 15, 15, 59))  # 23:59 Beijing on the due day
        _complete(rep, "1.2")
        _complete(rep, "1.1")
        [fact] = _facts()
        assert fact.payload_data["on_time"] is True
        assert (fact.payload_data["days_late"], fact.payload_data["working_days_late"]) == (0, 0)


def test_people_outside_the_program_get_no_fact(app, make_user, make_lesson, program_dir, at):
    make_lesson("1.1"), make_lesson("1.2")
    app.config["ONBOARDING_APPLIES_FROM"] = "2026-01-01"
    exempt = make_user(hire_date=date(2026, 10, 15), onboarding_exempt=True, onboarding_exempt_reason="调岗")
    veteran = make_user(hire_date=date(2020, 3, 1))
    mentor = make_user(roles=("mentor",), hire_date=date(2026, 10, 15))
    unknown = make_user(hire_date=None)
    with app.app_context():
        at(datetime(2026, 11, 1, 2, 0))
        for person in (exempt, veteran, mentor, unknown):
            _complete(person, "1.1")
            _complete(person, "1.2")
        assert _facts() == [] and rebuild.check().ok


def test_without_a_program_file_completion_still_works(app, make_user, make_lesson, tmp_path, at):
    app.config["CONTENT_DIR"] = str(tmp_path / "nothing-here")
    make_lesson("1.1")
    rep = make_user(hire_date=date(2026, 10, 15))
    with app.app_context():
        at(datetime(2026, 11, 1, 2, 0))
        _complete(rep, "1.1")
        assert _db.session.scalar(select(func.count(LessonProgress.id))) == 1 and _facts() == []


def test_a_failure_before_commit_leaves_neither_completion_nor_fact(app, make_user, make_lesson, program_dir, at):
    make_lesson("1.1"), make_lesson("1.2")
    rep = make_user(hire_date=date(2026, 10, 15))
    with app.app_context():
        at(datetime(2026, 11, 1, 2, 0))
        _complete(rep, "1.1")
        courses.mark_complete(
            _db.session.get(User, rep.id), _db.session.scalars(select(Lesson).filter_by(clause_id="1.2")).one()
        )
        assert len(_facts()) == 1
        _db.session.rollback()  # the process dies before the commit
        done = _db.session.scalar(select(func.count(LessonProgress.id)).where(LessonProgress.completed_at.is_not(None)))
        assert done == 1 and _facts() == []


def test_rebuild_names_a_finished_hire_without_fact_and_a_changed_hire_date(
    app, runner, make_user, make_lesson, program_dir, at, tamper
):
    make_lesson("1.1"), make_lesson("1.2")
    rep, other = make_user(hire_date=date(2026, 10, 15)), make_user(hire_date=date(2026, 10, 20))
    with app.app_context():
        at(datetime(2026, 11, 1, 2, 0))
        for person in (rep, other):
            _complete(person, "1.1")
            _complete(person, "1.2")
        assert len(_facts()) == 2
    tamper("DELETE FROM record_entry WHERE source = :source", source=f"user:{other.id}")
    with app.app_context():
        _db.session.get(User, rep.id).hire_date = date(2026, 9, 1)
        _db.session.commit()
    result = runner.invoke(args=["record", "rebuild", "--check"])
    assert result.exit_code == 1
    assert f"缺少：完成入职培训（onboarding_finished）来源 user:{other.id}" in result.output
    assert f"不一致：完成入职培训（onboarding_finished）来源 user:{rep.id}" in result.output
    assert "payload.hire_date 档案为 2026-10-15，源数据为 2026-09-01" in result.output
    assert "payload.on_time 档案为 true，源数据为 false" in result.output
