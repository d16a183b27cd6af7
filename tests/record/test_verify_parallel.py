"""A long chain is verified in ranges by forked processes, with the same report as one walk."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lms import clock, create_app
from lms.extensions import db as _db
from lms.models import FactKind, User
from lms.record import service
from tests.conftest import EXTERNAL_DB

ENTRIES = 40


@pytest.fixture
def file_app(request, tmp_path, monkeypatch):
    """An app whose database other processes can open, holding ENTRIES facts; ranges from any length on."""
    monkeypatch.setattr(service, "PARALLEL_FROM", 1)
    if EXTERNAL_DB:
        app = request.getfixturevalue("app")
    else:
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/chain.sqlite3", "SECRET_KEY": "x"}
        )
        with app.app_context():
            _db.create_all()
    with app.app_context():
        person = User(employee_no="E1", name="员工", email="e1@example.com", active=True)
        _db.session.add(person)
        _db.session.flush()
        for number in range(ENTRIES):
            service.append_fact(FactKind.AWARD, subject_id=person.id, occurred_at=clock.now(), source=f"award:{number}")
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        if not EXTERNAL_DB:
            _db.engine.dispose()


def _both(app, **options):
    with app.app_context():
        parallel = service.verify_chain(workers=3, batch_size=4, **options)
        _db.session.rollback()
        serial = service.verify_chain(workers=1, batch_size=4, **options)
        _db.session.rollback()
    return parallel, serial


def _tamper(app, sql: str) -> None:
    with app.app_context(), _db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE record_entry DISABLE TRIGGER USER"))
            connection.execute(text(sql))
            connection.execute(text("ALTER TABLE record_entry ENABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS record_entry_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS record_entry_no_delete"))
            connection.execute(text(sql))


def test_ranges_give_the_same_report_as_one_walk(file_app):
    parallel, serial = _both(file_app, remember_seq=17)
    assert parallel == serial
    assert (parallel.ok, parallel.count) == (True, ENTRIES) and parallel.remembered_hash is not None


@pytest.mark.parametrize(
    "sql, seq, words",
    [
        ("UPDATE record_entry SET payload = '[1]' WHERE seq = 20", 20, "内容与哈希不符"),
        ("DELETE FROM record_entry WHERE seq = 14", 15, "第 14 条不见了"),  # at a range's start (3 ranges of 14)
        ("DELETE FROM record_entry WHERE seq = 40", None, None),  # the last entry: a shorter, whole chain
    ],
)
def test_a_break_in_any_range_is_named_as_one_walk_names_it(file_app, sql, seq, words):
    _tamper(file_app, sql)
    parallel, serial = _both(file_app)
    assert parallel == serial
    if seq is None:
        assert parallel.ok and parallel.count == ENTRIES - 1
    else:
        assert parallel.broken.seq == seq and words in parallel.broken.problem


def test_the_command_walks_in_ranges_and_names_a_break(file_app):
    runner = file_app.test_cli_runner()
    result = runner.invoke(args=["record", "verify", "--workers", "3", "--batch-size", "4"])
    assert result.exit_code == 0 and f"档案链完整：共 {ENTRIES} 条" in result.output, result.output
    _tamper(file_app, "UPDATE record_entry SET payload = '[2]' WHERE seq = 33")
    result = runner.invoke(args=["record", "verify", "--workers", "3"])
    assert result.exit_code == 1 and "第 33 条（seq=33，id=33）：内容与哈希不符" in result.output
