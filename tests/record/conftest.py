"""Fixtures for the ledger: facts appended and committed, and tampering past the triggers.

(On PostgreSQL the suite's app fixture empties the ledger with its triggers disabled: tests/conftest.py.)
"""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text

from lms import clock
from lms.extensions import db as _db
from lms.models import FactKind
from lms.record import service
from tests.cases import conftest as case_fixtures

# The case tests' people and case factory, for the case facts' tests.
people = case_fixtures.people
make_case = case_fixtures.make_case


@pytest.fixture
def append(app):
    """Factory: append(subject_id, n=1, kind=…, **fields) appends n facts, commits, returns their seqs."""
    numbers = itertools.count(1)

    def factory(subject_id: int, n: int = 1, kind=FactKind.EXAM_GRADED, **fields) -> list[int]:
        seqs = []
        with app.app_context():
            for _ in range(n):
                number = next(numbers)
                entry = service.append_fact(
                    kind,
                    subject_id=subject_id,
                    occurred_at=fields.get("occurred_at", clock.now()),
                    source=fields.get("source", f"exam_attempt:{number}"),
                    payload=fields.get("payload", {"score": number, "passed": True, "attempt": 1}),
                    recorded_by_id=fields.get("recorded_by_id"),
                    supersedes=fields.get("supersedes"),
                )
                seqs.append(entry.seq)
            _db.session.commit()
        return seqs

    return factory


@pytest.fixture
def tamper(app):
    """tamper(sql, **params): run a statement on record_entry past its append-only triggers, and commit."""

    def run(sql: str, **params) -> None:
        with app.app_context(), _db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("ALTER TABLE record_entry DISABLE TRIGGER USER"))
                connection.execute(text(sql), params)
                connection.execute(text("ALTER TABLE record_entry ENABLE TRIGGER USER"))
            else:
                connection.execute(text("DROP TRIGGER IF EXISTS record_entry_no_update"))
                connection.execute(text("DROP TRIGGER IF EXISTS record_entry_no_delete"))
                connection.execute(text(sql), params)

    return run


@pytest.fixture
def program_dir(app, tmp_path):
    """Point CONTENT_DIR at a folder whose onboarding.yaml names lessons 1.1 and 1.2 (due one month after hire)."""
    (tmp_path / "onboarding.yaml").write_text(
        'title: 新员工入职基础培训\ndue_months: 1\nlessons:\n  - "1.1"\n  - "1.2"\n', encoding="utf-8"
    )
    app.config["CONTENT_DIR"] = str(tmp_path)
    return tmp_path


@pytest.fixture
def at(monkeypatch):
    """at(datetime): freeze lms.clock.now (naive UTC) there; returns it."""

    def move(moment):
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return move
