"""The team matrix costs the same number of SQL statements for 200 people as for 2,000 (issue 13, performance).

Counted with SQLAlchemy's "before_cursor_execute" event around whole requests
(sign-in checks included), on whichever database the suite runs on.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from lms.extensions import db as _db
from tracks.skill_seed import grant_levels, seed_reps, spread_of_levels

PAGES = ("/skills/team/", "/skills/team/?dimension=data&level=none", "/skills/team/?level=basic&page=2")


@contextmanager
def counted_statements():
    """Collect every statement the engine sends while the block runs."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)


def _grow_to(db, manager, total: int, have: int) -> None:
    ids = seed_reps(db.session, total - have, manager.id, start=have + 1)
    grant_levels(db.session, spread_of_levels(ids), assessor_id=manager.id)
    db.session.commit()


def _statements_per_page(client, path: str) -> int:
    with counted_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


@pytest.mark.parametrize("viewer_role", ["hr", "manager"])
def test_the_matrix_issues_as_many_queries_for_2000_people_as_for_200(db, client, auth, make_user, viewer_role):
    manager = make_user(roles=("manager",), name="马经理")
    viewer = manager if viewer_role == "manager" else make_user(roles=("hr",), name="韩人事")
    _grow_to(db, manager, 200, 0)
    auth.login(viewer)
    client.get("/skills/team/")  # the first page after sign-in stores the session's CSRF token
    small = {path: _statements_per_page(client, path) for path in (*PAGES, "/skills/team/matrix.csv")}
    page = client.get("/skills/team/").get_data(as_text=True)
    assert "共 200 人" in page and page.count("<tr data-person=") == 50
    _grow_to(db, manager, 2000, 200)
    large = {path: _statements_per_page(client, path) for path in (*PAGES, "/skills/team/matrix.csv")}
    assert "共 2000 人" in client.get("/skills/team/").get_data(as_text=True)
    assert large == small
    assert max(small.values()) <= 12  # sign-in checks, the teams, count, page, awards, level counts


def test_coverage_issues_as_many_queries_for_2000_people_as_for_200(db, client, auth, make_user):
    manager = make_user(roles=("manager",))
    hr = make_user(roles=("hr",))
    _grow_to(db, manager, 200, 0)
    auth.login(hr)
    client.get("/skills/team/coverage")
    small = [_statements_per_page(client, path) for path in ("/skills/team/coverage", "/skills/team/coverage.csv")]
    _grow_to(db, manager, 2000, 200)
    large = [_statements_per_page(client, path) for path in ("/skills/team/coverage", "/skills/team/coverage.csv")]
    assert large == small
    assert "共 200 个团队" in client.get("/skills/team/coverage").get_data(as_text=True)
