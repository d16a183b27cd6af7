"""Fixtures for incentives: facts appended to the ledger as the contract describes them, and a frozen clock.

The writers of these facts (grades import, suggestions, awards, certificates)
are other features; these tests append the facts those features append, with
the payloads of /tmp/facts_contract.md, and read them back only through the
ledger, as the incentive code does.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

import pytest

import lms.clock
from lms import clock
from lms.extensions import db as _db
from lms.models import FactKind
from lms.record import service

# 2026-12-01 10:00 Beijing time: 2026-Q3 is the last completed quarter.
NOW = datetime(2026, 12, 1, 2, 0)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """Every incentive test runs at NOW unless it moves the clock itself."""
    monkeypatch.setattr(lms.clock, "now", lambda: NOW)
    return NOW


@pytest.fixture
def add_fact(app):
    """Factory: add_fact(kind, subject_id, payload, source=…, supersedes=…, occurred_at=…) → the entry's seq."""
    numbers = itertools.count(1)

    def factory(kind, subject_id: int, payload: dict, **fields) -> int:
        with app.app_context():
            entry = service.append_fact(
                kind,
                subject_id=subject_id,
                occurred_at=fields.get("occurred_at", clock.now()),
                source=fields.get("source") or f"{FactKind(kind).value}:{next(numbers)}",
                payload=payload,
                recorded_by_id=fields.get("recorded_by_id"),
                supersedes=fields.get("supersedes"),
            )
            _db.session.commit()
            return entry.seq

    return factory


@pytest.fixture
def add_grade(add_fact):
    """Factory: add_grade(person_id, "2026-Q1", "A", kpi_rate=…, satisfaction=…, supersedes=…) → seq."""
    sources = itertools.count(1000)

    def factory(subject_id: int, period: str, grade: str | None, **fields) -> int:
        kind = "year" if len(period) == 4 else "quarter" if "Q" in period else "month"
        payload = {
            "period": period,
            "period_kind": kind,
            "score": fields.get("score"),
            "grade": grade,
            "kpi_rate": Decimal(str(fields["kpi_rate"])) if fields.get("kpi_rate") is not None else None,
            "satisfaction_percentile": (
                Decimal(str(fields["satisfaction"])) if fields.get("satisfaction") is not None else None
            ),
            "import_id": 1,
            "reason": fields.get("reason"),
        }
        source = fields.get("source") or f"performance_grade:{next(sources)}"
        return add_fact(
            FactKind.PERFORMANCE_GRADE, subject_id, payload, source=source, supersedes=fields.get("supersedes")
        )

    return factory
