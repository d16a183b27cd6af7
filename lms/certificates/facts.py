"""The skill_certificate facts the ledger should hold for the current certificates (for `lms record rebuild`).

One current fact per certificate: the revocation when there is one (it
supersedes the issue), else the issue; payloads from the same builders the
service writes with.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.certificates.service import issued_payload, revoked_payload, source_of
from lms.extensions import db
from lms.models import Certificate, FactKind


def expected_facts() -> Iterable[dict]:
    """Yield {"kind", "subject_id", "source", "occurred_at", "payload"} for every certificate, in id order."""
    stmt = select(Certificate).options(joinedload(Certificate.revocation)).order_by(Certificate.id)
    for certificate in db.session.scalars(stmt).unique():
        revocation = certificate.revocation
        yield {
            "kind": FactKind.SKILL_CERTIFICATE.value,
            "subject_id": certificate.user_id,
            "source": source_of(certificate),
            "occurred_at": revocation.revoked_at if revocation else certificate.issued_at,
            "payload": revoked_payload(certificate) if revocation else issued_payload(certificate),
        }
