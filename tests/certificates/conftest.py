"""Fixtures for certificates: a signing key per test, a frozen clock, and people certified by the real rule."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

import lms.clock
from lms.extensions import db as _db

OB3 = Path(__file__).with_name("ob3")
# 03:30 in Beijing on 2 December: the company date is a day ahead of the UTC date.
NOW = datetime(2026, 12, 1, 19, 30, 0)


@pytest.fixture
def key_file(app, tmp_path) -> Path:
    """This test's signing key file (not the instance folder's), created by the first certificate."""
    path = tmp_path / "credential-signing-key.pem"
    app.config["CREDENTIAL_KEY_FILE"] = str(path)
    return path


@pytest.fixture
def frozen(monkeypatch) -> datetime:
    monkeypatch.setattr(lms.clock, "now", lambda: NOW)
    return NOW


@pytest.fixture
def rule(app):
    """The certification rule of the repository's content/tracks.yaml."""
    from lms.certificates.service import certification_rule

    with app.app_context():
        return certification_rule()


def all_levels(rule, skip: str | None = None) -> dict[str, date]:
    """The rule's cells, achieved on successive November days (`skip` left out)."""
    return {key: date(2026, 11, index) for index, key in enumerate(rule.required_cells, start=1) if key != skip}


@pytest.fixture
def certify(app, key_file, frozen, rule):
    """certify(person) -> the public id of the certificate settle_certificate issues (committed)."""
    from lms.certificates.service import settle_certificate

    def factory(person) -> str:
        with app.app_context():
            certificate = settle_certificate(person.id, all_levels(rule))
            _db.session.commit()
            return certificate.public_id

    return factory


@pytest.fixture
def test_vector() -> dict:
    """The OB 3.0 spec's eddsa-rdfc-2022 test vector (copied from shared/standards/ob3/test-vector)."""
    folder = OB3 / "test-vector"
    return {
        "expected": json.loads((folder / "expected.json").read_text()),
        "credential": json.loads((folder / "credential.json").read_text()),
        "signed": json.loads((folder / "credential.signed.json").read_text()),
        "canonical": (folder / "credential.canonical.nq").read_text(),
        "proof_canonical": (folder / "proof-options.canonical.nq").read_text(),
    }
