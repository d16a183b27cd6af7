"""Issuing and revoking certificates: rows, the signed credential, and skill_certificate facts in one transaction."""

from __future__ import annotations

import json
import os
import stat
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from lms.certificates import credential, facts, service
from lms.extensions import db
from lms.models import Certificate, CertificateRevocation, FactKind, RecordEntry
from lms.record.hashing import canonical_json
from tests.certificates.conftest import NOW, all_levels


def ledger(kind=FactKind.SKILL_CERTIFICATE) -> list[RecordEntry]:
    return list(db.session.scalars(select(RecordEntry).where(RecordEntry.kind == kind).order_by(RecordEntry.seq)))


def current_facts() -> dict[str, RecordEntry]:
    superseded = {entry.supersedes_seq for entry in ledger()}
    return {entry.source: entry for entry in ledger() if entry.seq not in superseded}


def test_all_five_advanced_issues_one_certificate(db, make_user, key_file, frozen, rule):
    person = make_user(name="欧阳娜娜", employee_no="S00120")
    certificate = service.settle_certificate(person.id, all_levels(rule))
    db.session.commit()
    assert certificate.number == f"SC2026-{certificate.id:06d}"
    assert certificate.issued_on == date(2026, 12, 2)  # 03:30 in Beijing
    assert certificate.cells == {key: f"2026-11-0{i}" for i, key in enumerate(rule.required_cells, start=1)}
    assert len(certificate.public_id) == 22
    document = json.loads(certificate.credential_json)
    result = credential.verify_credential(document, NOW)
    assert result.ok, result.message
    assert (result.holder_name, result.employee_no) == ("欧阳娜娜", "S00120")
    assert document["id"] == f"http://lms.test/verify/{certificate.public_id}"
    assert certificate.key_id == document["proof"][0]["verificationMethod"] == service.signing_key().key_id
    [fact] = ledger()
    assert (fact.subject_id, fact.source, fact.occurred_at) == (person.id, f"certificate:{certificate.id}", NOW)
    assert json.loads(fact.payload) == {
        "event": "issued",
        "number": certificate.number,
        "achievement": "高级销售技能认证",
        "issued_on": "2026-12-02",
        "cells": certificate.cells,
    }


def test_key_file_is_created_once_with_mode_0600(db, make_user, key_file, frozen, rule):
    first_person, second_person = make_user(), make_user()
    service.settle_certificate(first_person.id, all_levels(rule))
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    first = key_file.read_bytes()
    service.settle_certificate(second_person.id, all_levels(rule))
    assert key_file.read_bytes() == first


def test_missing_a_level_issues_nothing(db, make_user, key_file, frozen, rule):
    person = make_user()
    assert service.settle_certificate(person.id, all_levels(rule, skip="data/advanced")) is None
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    assert ledger() == []


def test_settling_again_changes_nothing(db, make_user, key_file, frozen, rule):
    person = make_user()
    service.settle_certificate(person.id, all_levels(rule))
    levels = {**all_levels(rule), "communication/basic": date(2026, 1, 1)}
    assert service.settle_certificate(person.id, levels) is None
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert len(ledger()) == 1


def test_losing_a_level_revokes_with_the_reason_and_supersedes_the_issue(db, make_user, key_file, frozen, rule):
    person, hr = make_user(), make_user(roles=("hr",))
    issued = service.settle_certificate(person.id, all_levels(rule))
    db.session.commit()
    revoked = service.settle_certificate(
        person.id, all_levels(rule, skip="product/advanced"), by_id=hr.id, reason="评估材料不实"
    )
    db.session.commit()
    assert revoked is issued and revoked.revoked
    assert revoked.revocation.reason == "不再满足认证条件：缺少产品知识更新·高级（评估材料不实）"
    first, second = ledger()
    assert second.supersedes_seq == first.seq and second.recorded_by_id == hr.id
    payload = json.loads(second.payload)
    assert (payload["event"], payload["revoked_on"], payload["number"]) == ("revoked", "2026-12-02", issued.number)
    assert json.loads(first.payload)["event"] == "issued"  # the issue stays in the ledger
    assert service.current_certificate(person.id) is None


def test_after_a_revocation_a_new_certificate_has_a_new_number(db, make_user, key_file, frozen, rule):
    person = make_user()
    first = service.settle_certificate(person.id, all_levels(rule))
    service.settle_certificate(person.id, all_levels(rule, skip="data/advanced"))
    second = service.settle_certificate(person.id, all_levels(rule))
    db.session.commit()
    assert second.id != first.id and second.number != first.number and second.public_id != first.public_id
    assert [c.id for c in service.certificates_of(person.id)] == [second.id, first.id]
    assert service.current_certificate(person.id).id == second.id


def test_hr_revocation_needs_a_reason_and_writes_nothing_without_one(db, make_user, key_file, frozen, rule):
    person, hr = make_user(), make_user(roles=("hr",))
    certificate = service.settle_certificate(person.id, all_levels(rule))
    db.session.commit()
    for reason in ("", "   ", "长" * 501):
        with pytest.raises(service.CertificateError) as failure:
            service.revoke_by_hr(certificate.public_id, reason, hr)
        assert failure.value.field == "reason"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CertificateRevocation)) == 0
    assert len(ledger()) == 1


def test_revoking_twice_or_an_unknown_certificate_is_refused(db, make_user, key_file, frozen, rule):
    person, hr = make_user(), make_user(roles=("hr",))
    certificate = service.settle_certificate(person.id, all_levels(rule))
    service.revoke_by_hr(certificate.public_id, "离职", hr)
    with pytest.raises(service.CertificateError, match="已于 2026-12-02 撤销"):
        service.revoke_by_hr(certificate.public_id, "再撤一次", hr)
    with pytest.raises(service.CertificateError, match="找不到"):
        service.revoke_by_hr("x" * 22, "离职", hr)
    assert len(ledger()) == 2


def test_expected_facts_match_the_ledger(db, make_user, key_file, frozen, rule, monkeypatch):
    kept, revoked, hr = make_user(), make_user(), make_user(roles=("hr",))
    service.settle_certificate(kept.id, all_levels(rule))
    certificate = service.settle_certificate(revoked.id, all_levels(rule))
    monkeypatch.setattr("lms.clock.now", lambda: datetime(2026, 12, 3, 2, 0))
    service.revoke_by_hr(certificate.public_id, "违规", hr)
    db.session.commit()
    expected = {fact["source"]: fact for fact in facts.expected_facts()}
    current = current_facts()
    assert set(expected) == set(current)
    for source, fact in expected.items():
        entry = current[source]
        assert (fact["kind"], fact["subject_id"], fact["occurred_at"]) == (
            entry.kind,
            entry.subject_id,
            entry.occurred_at,
        )
        assert canonical_json(fact["payload"]) == entry.payload
    assert expected[f"certificate:{certificate.id}"]["payload"]["event"] == "revoked"


def test_list_filters_by_status_and_person(db, make_user, key_file, frozen, rule):
    anna, bo = make_user(name="安娜", employee_no="A1"), make_user(name="博文", employee_no="B2")
    service.settle_certificate(anna.id, all_levels(rule))
    certificate = service.settle_certificate(bo.id, all_levels(rule))
    service.revoke_certificate(certificate, "测试")

    def names(**filters):
        stmt = service.list_certificates(service.CertificateFilter(**filters))
        return [c.user.name for c in db.session.scalars(stmt).unique()]

    assert sorted(names()) == ["博文", "安娜"]
    assert names(status="valid") == ["安娜"]
    assert names(status="revoked") == ["博文"]
    assert names(person="B2") == ["博文"]


def test_an_unreadable_tracks_file_leaves_the_certificate_and_the_caller_alone(app, db, make_user, key_file, tmp_path):
    person = make_user()
    app.config["CONTENT_DIR"] = str(tmp_path)  # no tracks.yaml there
    with pytest.raises(service.CertificateError, match="无法读取认证规则"):
        service.certification_rule()
    assert service.settle_certificate(person.id, {"communication/advanced": date(2026, 11, 1)}) is None
    (tmp_path / "tracks.yaml").write_text("tracks: [", encoding="utf-8")
    assert service.settle_certificate(person.id, {}) is None
    assert ledger() == []


def test_issue_due_issues_only_where_the_rule_holds_and_none_is_current(db, make_user, key_file, frozen, rule):
    due, short, holder = make_user(), make_user(), make_user()
    service.settle_certificate(holder.id, all_levels(rule))
    levels = {due.id: all_levels(rule), short.id: all_levels(rule, skip="data/advanced"), holder.id: all_levels(rule)}
    issued = service.issue_due(levels.__getitem__, [due.id, short.id, holder.id])
    assert [certificate.user_id for certificate in issued] == [due.id]
    assert len(ledger()) == 2


def test_the_system_issues_and_the_level_revoker_revokes(db, make_user, key_file, frozen, rule):
    person, mentor, hr = make_user(), make_user(roles=("mentor",)), make_user(roles=("hr",))
    certificate = service.settle_certificate(person.id, all_levels(rule), by_id=mentor.id)
    assert certificate.issued_by_id is None
    service.settle_certificate(person.id, all_levels(rule, skip="data/advanced"), by_id=hr.id, reason="误判")
    assert [entry.recorded_by_id for entry in ledger()] == [None, hr.id]
    assert certificate.revocation.revoked_by_id == hr.id


def test_without_a_base_url_the_credential_id_is_a_urn_that_maps_back(app, db, make_user, key_file, frozen, rule):
    """A job (no request, no SERVER_NAME, no PUBLIC_BASE_URL) still issues; verify finds it by the urn."""
    person = make_user()
    app.config["SERVER_NAME"] = None
    with app.app_context():  # a fresh context: its URL adapter is made without SERVER_NAME
        certificate = service.settle_certificate(person.id, all_levels(rule))
        document_id = json.loads(certificate.credential_json)["id"]
    assert document_id.startswith("urn:uuid:")
    assert service.public_id_of(document_id) == certificate.public_id
    assert service.public_id_of(f"http://lms.test/verify/{certificate.public_id}") == certificate.public_id
    assert service.public_id_of("urn:uuid:not-a-uuid") == ""
