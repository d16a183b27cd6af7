"""One definition of "the people I answer for" (issue 12, 6), asked by all four of its users."""

from datetime import date

import pytest
from sqlalchemy import event

from lms.access import Relation, answers_for, can_view_person, people_followed_by
from lms.exams.results import people_in_scope
from lms.extensions import db as _db
from lms.models import User
from lms.onboarding.service import reps_followed_by


@pytest.fixture
def org(make_user):
    """A manager who also mentors someone in another team, a plain mentor, HR, and reps."""
    boss = make_user(roles=("manager", "mentor"), name="经理甲")
    other_boss = make_user(roles=("manager",), name="经理乙")
    mentor = make_user(roles=("mentor", "rep"), name="导师丙")
    hr = make_user(roles=("hr",), name="人事")
    hired = date(2026, 11, 20)
    in_team = make_user(name="组员", manager_id=boss.id, mentor_id=mentor.id, hire_date=hired)
    mentee = make_user(name="徒弟", manager_id=other_boss.id, mentor_id=boss.id, hire_date=hired)
    stranger = make_user(name="路人", manager_id=other_boss.id, hire_date=hired)
    return {
        "boss": boss,
        "other_boss": other_boss,
        "mentor": mentor,
        "hr": hr,
        "in_team": in_team,
        "mentee": mentee,
        "stranger": stranger,
    }


def _ids(db, stmt) -> set[int]:
    return set(db.session.scalars(stmt))


def test_the_definition(db, org):
    boss, mentor, hr = (db.session.get(User, org[key].id) for key in ("boss", "mentor", "hr"))
    assert _ids(db, people_followed_by(boss)) == {org["in_team"].id, org["mentee"].id}
    assert _ids(db, people_followed_by(boss, Relation.MANAGER)) == {org["in_team"].id}
    assert _ids(db, people_followed_by(boss, Relation.MENTOR)) == {org["mentee"].id}
    assert _ids(db, people_followed_by(mentor)) == {org["in_team"].id}
    assert _ids(db, people_followed_by(hr)) == {person.id for person in org.values()}
    assert _ids(db, people_followed_by(hr, Relation.MANAGER)) == set()


def test_the_python_check_agrees_with_the_sql(db, org):
    people = [db.session.get(User, person.id) for person in org.values()]
    for viewer in people:
        followed = _ids(db, people_followed_by(viewer))
        for person in people:
            assert answers_for(viewer, person) == (person.id in followed), (viewer.name, person.name)
            assert can_view_person(viewer, person) == (person.id in followed or person.id == viewer.id)


def test_every_list_asks_the_same_definition(app, client, auth, db, org):
    boss = db.session.get(User, org["boss"].id)
    followed = _ids(db, people_followed_by(boss))
    # The exam roster used to list only the manager's own team, not the people they mentor.
    assert {person.id for person in people_in_scope(boss)} == followed
    assert {person.id for person in reps_followed_by(boss)} == followed
    db.session.remove()
    auth.login(org["boss"])
    manager_page = client.get("/dashboard/manager").get_data(as_text=True)
    mentor_page = client.get("/dashboard/mentor").get_data(as_text=True)
    assert "组员" in manager_page and "徒弟" not in manager_page and "路人" not in manager_page
    assert "徒弟" in mentor_page and "组员" not in mentor_page
    assert client.get(f"/people/{org['mentee'].id}").status_code == 200
    assert client.get(f"/people/{org['stranger'].id}").status_code == 404


def test_lists_cost_one_query_whatever_their_length(app, db, make_user, org):
    boss_id = org["boss"].id
    for _ in range(5):
        make_user(manager_id=boss_id, hire_date=date(2026, 11, 21))

    def queries(action) -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(_db.engine, "before_cursor_execute", listener)
        try:
            action(db.session.get(User, boss_id))
        finally:
            event.remove(_db.engine, "before_cursor_execute", listener)
        return len(statements)

    for action in (people_in_scope, reps_followed_by):
        first = queries(action)
        db.session.remove()  # make_user writes in a session of its own
        make_user(manager_id=boss_id, hire_date=date(2026, 11, 22))
        assert queries(action) == first, action.__name__
        db.session.remove()
