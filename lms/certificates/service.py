"""Certificates (7.3.1): issue one when the certification rule holds, revoke it when it stops holding or HR says so.

Every change is one row (a certificate, or its revocation) and one
`skill_certificate` fact in the ledger, both in the caller's transaction: the
fact is the transaction's last write. Services flush and never commit.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask import current_app, url_for
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from lms import clock
from lms.certificates import credential, keys, signing
from lms.domain import DomainError
from lms.extensions import db
from lms.models import Certificate, CertificateRevocation, FactKind, RecordEntry, User
from lms.tracks.loader import TRACKS_FILE, Certification, TrackLoadError, cell_label, load_tracks

log = logging.getLogger(__name__)
REASON_MAX = 500
DEFAULT_ISSUER_NAME = "销售学习平台"


class CertificateError(DomainError):
    """A certificate action broke a rule (unknown certificate, already revoked, no reason…)."""


# --- the rule and the key -------------------------------------------------------------------------

_rule_cache: dict[tuple[str, float], Certification] = {}


def certification_rule() -> Certification:
    """The certification rule of the tracks file in CONTENT_DIR, read again only when the file changes.

    Raises CertificateError when the file is missing or does not load.
    """
    path = Path(current_app.config["CONTENT_DIR"]) / TRACKS_FILE
    try:
        cache_key = (str(path), path.stat().st_mtime)
        if cache_key not in _rule_cache:
            rule = load_tracks(path).certification
            _rule_cache.clear()
            _rule_cache[cache_key] = rule
    except (OSError, TrackLoadError) as error:
        raise CertificateError(f"无法读取认证规则（{path}）：{error}") from error
    return _rule_cache[cache_key]


def signing_key(create: bool = True) -> keys.SigningKey:
    """The instance's signing key (CREDENTIAL_KEY_FILE or instance/credential-signing-key.pem).

    `lms setup` creates it; should it be missing when the first certificate is
    due, it is created here (logged) rather than failing the achievement that
    triggered the certificate.
    """
    path = keys.key_path(current_app.config, current_app.instance_path)
    if create and keys.create_key_file(path):
        log.warning("credential signing key created at %s (lms setup had not been run)", path)
    return keys.load_key_file(path)


def verification_url(public_id: str) -> str:
    """The public verification page's full URL (PUBLIC_BASE_URL when set, else the request's or SERVER_NAME's)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return f"{base.rstrip('/')}/verify/{public_id}"
    return url_for("certificates.verify_page", public_id=public_id, _external=True)


def credential_id(public_id: str) -> str:
    """The credential's id: its verification URL, or (no base URL known, e.g. a job without
    PUBLIC_BASE_URL or SERVER_NAME) a urn:uuid made of the same random bytes, so issuing never fails on it."""
    try:
        return verification_url(public_id)
    except RuntimeError:
        log.warning("certificate %s: no PUBLIC_BASE_URL, its credential id is a urn:uuid", public_id)
        return f"urn:uuid:{uuid.UUID(bytes=base64.urlsafe_b64decode(public_id + '=='))}"


def public_id_of(credential_id_value: str) -> str:
    """The public id a credential id names (its verification URL's last segment, or its urn:uuid)."""
    if credential_id_value.startswith("urn:uuid:"):
        try:
            raw = uuid.UUID(credential_id_value.removeprefix("urn:uuid:")).bytes
        except ValueError:
            return ""
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return credential_id_value.rstrip("/").rsplit("/", 1)[-1]


# --- settling, issuing, revoking ------------------------------------------------------------------


def settle_certificate(
    user_id: int,
    achieved: dict[str, date | str],
    *,
    by_id: int | None = None,
    reason: str | None = None,
    rule: Certification | None = None,
) -> Certificate | None:
    """Bring a person's certificate in line with their current levels (`achieved`: cell key -> date).

    Issues a certificate when the rule holds and none is current; revokes the
    current one when the rule no longer holds (`reason` says why, e.g. the
    level revocation's reason; `by_id`, who revoked the level, is recorded as
    the revoker). An issue is recorded as the system's. Returns the certificate issued or revoked, None
    when nothing changed. Runs inside the caller's transaction.

    When the tracks file cannot be read the certificate is left as it is (logged):
    the level that called this still counts, and `lms certificates issue-due`
    catches up once the file is right again.
    """
    if rule is None:
        try:
            rule = certification_rule()
        except CertificateError:
            log.exception("certificate of user %s not settled: the certification rule did not load", user_id)
            return None
    _lock_person(user_id)
    current = current_certificate(user_id)
    held = rule.holds(frozenset(achieved))
    if held and current is None:
        return issue_certificate(user_id, rule, achieved)  # the system issues; by_id did the level, not this
    if not held and current is not None:
        missing = "、".join(cell_label(key) for key in rule.required_cells if key not in achieved)
        why = f"不再满足认证条件：缺少{missing}" + (f"（{reason}）" if reason else "")
        return revoke_certificate(current, why[:REASON_MAX], by_id=by_id)
    return None


def issue_due(achieved_of, user_ids) -> list[Certificate]:
    """Issue every certificate that is due: people in `user_ids` whose levels (`achieved_of(id)`) meet the rule.

    Only issues: a certificate is revoked when a level is (settle_certificate), never by a catch-up run.
    """
    rule = certification_rule()
    issued = []
    for user_id in user_ids:
        achieved = achieved_of(user_id)
        if rule.holds(frozenset(achieved)):
            _lock_person(user_id)
            if current_certificate(user_id) is None:
                issued.append(issue_certificate(user_id, rule, achieved))
    return issued


def _lock_person(user_id: int) -> None:
    """Serialise certificate changes for one person (FOR UPDATE on PostgreSQL; SQLite has one writer)."""
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def current_certificate(user_id: int) -> Certificate | None:
    """The person's unrevoked certificate, if any."""
    stmt = (
        select(Certificate)
        .outerjoin(CertificateRevocation, CertificateRevocation.certificate_id == Certificate.id)
        .where(Certificate.user_id == user_id, CertificateRevocation.id.is_(None))
    )
    return db.session.scalars(stmt).first()


def issue_certificate(
    user_id: int, rule: Certification, achieved: dict[str, date | str], *, by_id: int | None = None
) -> Certificate:
    """Issue a certificate for `rule` with the dates of its required cells, sign its credential, record the fact."""
    person = db.session.get(User, user_id)
    if person is None:
        raise CertificateError("找不到此人")
    now = clock.now()
    cells = {key: _iso(achieved[key]) for key in rule.required_cells}
    public_id = secrets.token_urlsafe(16)
    certificate = Certificate(
        public_id=public_id,
        number=public_id,  # replaced below, once the id is known
        user_id=user_id,
        achievement_title=rule.title,
        cells=cells,
        issued_at=now,
        issued_on=clock.local_date(now),
        issued_by_id=by_id,
        credential_json="",
        key_id="",
    )
    db.session.add(certificate)
    db.session.flush()
    certificate.number = f"SC{certificate.issued_on.year}-{certificate.id:06d}"
    key = signing_key()
    signed = signing.sign(
        credential.build_credential(_credential_data(certificate, person, rule, key)),
        key.private_key,
        key.key_id,
        credential.xsd_time(now),
        as_set=True,
    )
    certificate.credential_json = json.dumps(signed, ensure_ascii=False, indent=1)
    certificate.key_id = key.key_id
    db.session.flush()
    _record(certificate, issued_payload(certificate), now, by_id)
    return certificate


def _iso(day: date | datetime | str) -> str:
    if isinstance(day, datetime):
        return clock.local_date(day).isoformat()
    return day.isoformat() if isinstance(day, date) else str(day)


def _credential_data(certificate: Certificate, person: User, rule: Certification, key) -> credential.CredentialData:
    return credential.CredentialData(
        credential_id=credential_id(certificate.public_id),
        issuer_did=key.did,
        issuer_name=current_app.config.get("CERTIFICATE_ISSUER_NAME") or DEFAULT_ISSUER_NAME,
        holder_name=person.name,
        employee_no=person.employee_no,
        achievement_title=rule.title,
        achievement_description=f"{'、'.join(cell_label(key) for key in rule.required_cells)}均已达成。",
        criteria=f"依据《销售团队管理指南》{rule.clause}：{rule.quote}。每个级别以课时、等级测验与导师签字的实操评估为证。",
        issued_at=certificate.issued_at,
        cells=tuple((key, cell_label(key), day) for key, day in certificate.cells.items()),
    )


def revoke_certificate(certificate: Certificate, reason: str, *, by_id: int | None = None) -> Certificate:
    """Revoke a current certificate with a reason (a new row and a superseding fact; the issue stays)."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("请填写撤销原因。", field="reason")
    if len(reason) > REASON_MAX:
        raise CertificateError(f"撤销原因不能超过 {REASON_MAX} 个字。", field="reason")
    if certificate.revocation is not None:
        raise CertificateError(f"证书 {certificate.number} 已于 {certificate.revocation.revoked_on} 撤销。")
    now = clock.now()
    revocation = CertificateRevocation(
        certificate=certificate, revoked_at=now, revoked_on=clock.local_date(now), reason=reason, revoked_by_id=by_id
    )
    db.session.add(revocation)
    db.session.flush()
    _record(certificate, revoked_payload(certificate), now, by_id)
    return certificate


def revoke_by_hr(public_id: str, reason: str, hr: User) -> Certificate:
    """HR revokes a certificate by its public id; CertificateError when unknown or already revoked."""
    certificate = find_certificate(public_id)
    if certificate is None:
        raise CertificateError("找不到这张证书。")
    _lock_person(certificate.user_id)
    return revoke_certificate(certificate, reason, by_id=hr.id)


# --- facts ----------------------------------------------------------------------------------------


def source_of(certificate: Certificate) -> str:
    return f"certificate:{certificate.id}"


def issued_payload(certificate: Certificate) -> dict:
    """The skill_certificate fact of an issue (one definition, shared with facts.expected_facts)."""
    return {
        "event": "issued",
        "number": certificate.number,
        "achievement": certificate.achievement_title,
        "issued_on": certificate.issued_on.isoformat(),
        "cells": dict(certificate.cells),
    }


def revoked_payload(certificate: Certificate) -> dict:
    """The skill_certificate fact of a revocation: the issue's fields, when and why."""
    revocation = certificate.revocation
    return {
        **issued_payload(certificate),
        "event": "revoked",
        "revoked_on": revocation.revoked_on.isoformat(),
        "reason": revocation.reason,
    }


def _record(certificate: Certificate, payload: dict, occurred_at: datetime, by_id: int | None) -> None:
    from lms.record.service import append_fact

    source = source_of(certificate)
    previous = db.session.scalars(
        select(RecordEntry)
        .where(RecordEntry.kind == FactKind.SKILL_CERTIFICATE, RecordEntry.source == source)
        .order_by(RecordEntry.seq.desc())
    ).first()
    append_fact(
        FactKind.SKILL_CERTIFICATE,
        subject_id=certificate.user_id,
        occurred_at=occurred_at,
        source=source,
        payload=payload,
        recorded_by_id=by_id,
        supersedes=previous,
    )


# --- reading --------------------------------------------------------------------------------------


def find_certificate(public_id: str) -> Certificate | None:
    """A certificate by its public id (None for anything unknown, including malformed ids)."""
    if not public_id or len(public_id) > 32:
        return None
    return db.session.scalars(select(Certificate).where(Certificate.public_id == public_id)).first()


def certificates_of(user_id: int) -> list[Certificate]:
    """A person's certificates, newest first (revoked ones included)."""
    stmt = (
        select(Certificate)
        .options(joinedload(Certificate.revocation))
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    return list(db.session.scalars(stmt).unique())


@dataclass(frozen=True)
class CertificateFilter:
    """HR's list: by status ("", "valid", "revoked") and a name or employee number."""

    status: str = ""
    person: str = ""


def list_certificates(filters: CertificateFilter) -> Select:
    """Certificates for HR, newest first, filtered (a statement to paginate)."""
    stmt = (
        select(Certificate)
        .join(User, Certificate.user_id == User.id)
        .outerjoin(CertificateRevocation, CertificateRevocation.certificate_id == Certificate.id)
        .options(joinedload(Certificate.user), joinedload(Certificate.revocation))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    if filters.status == "valid":
        stmt = stmt.where(CertificateRevocation.id.is_(None))
    elif filters.status == "revoked":
        stmt = stmt.where(CertificateRevocation.id.is_not(None))
    if filters.person:
        pattern = f"%{filters.person}%"
        stmt = stmt.where(User.name.like(pattern) | User.employee_no.like(pattern))
    return stmt
