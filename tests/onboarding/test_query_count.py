"""The team onboarding page costs the same number of SQL queries for 200 people as for 2,000."""

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, insert, select

from lms import clock
from lms.extensions import db
from lms.models import LessonProgress, User, UserRole


@contextmanager
def count_queries(app):
    counter = {"n": 0}

    def on_execute(*_args):
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def _team(app, manager_id: int, mentor_id: int, size: int, start: int, lesson_id: int):
    hired = clock.today() - timedelta(days=20)
    rows = [
        {
            "employee_no": f"T{start + n:05d}",
            "name": f"成员{n}",
            "email": f"t{start + n}@example.com",
            "hire_date": hired,
            "manager_id": manager_id,
            "mentor_id": mentor_id,
            "active": True,
            "team": "大团队",
        }
        for n in range(size)
    ]
    with app.app_context():
        db.session.execute(insert(User), rows)
        numbers = [row["employee_no"] for row in rows]
        ids = list(db.session.scalars(select(User.id).where(User.employee_no.in_(numbers))))
        db.session.execute(insert(UserRole), [{"user_id": uid, "role": "rep"} for uid in ids])
        db.session.execute(
            insert(LessonProgress),
            [{"user_id": uid, "lesson_id": lesson_id, "completed_at": clock.now()} for uid in ids[::3]],
        )
        db.session.commit()


def _queries_for_team_page(app, client) -> int:
    with count_queries(app) as counter:
        response = client.get("/onboarding/team")
    assert response.status_code == 200
    return counter["n"]


def test_no_n_plus_one(app, client, auth, make_user, make_lesson, program_dir):
    lesson = make_lesson("1.1")
    make_lesson("1.2")
    manager, mentor = make_user(roles=("manager",)), make_user(roles=("mentor",))
    auth.login(manager)
    _team(app, manager.id, mentor.id, 200, 0, lesson.id)
    small = _queries_for_team_page(app, client)
    _team(app, manager.id, mentor.id, 1800, 200, lesson.id)
    large = _queries_for_team_page(app, client)
    body = client.get("/onboarding/team").get_data(as_text=True)
    assert "共 2000 人" in body
    assert small == large, f"{small} queries for 200 people, {large} for 2,000"
