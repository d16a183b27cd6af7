"""A certificate's downloadable forms: the stored credential and the PDF built from it."""

from __future__ import annotations

import json

from flask import current_app

from lms.certificates import credential, pdf
from lms.certificates.service import verification_url
from lms.models import Certificate
from lms.tracks.loader import cell_label


def credential_document(certificate: Certificate) -> dict:
    """The signed credential exactly as issued."""
    return json.loads(certificate.credential_json)


def certificate_page(certificate: Certificate) -> pdf.CertificatePage:
    """What the PDF shows: the holder as the credential names them (the name at issue), the cells and dates."""
    stated = credential.Verification()
    document = credential_document(certificate)
    credential.describe_credential(document, stated)
    revocation = certificate.revocation
    return pdf.CertificatePage(
        title=certificate.achievement_title,
        holder_name=stated.holder_name,
        employee_no=stated.employee_no,
        number=certificate.number,
        issued_on=certificate.issued_on.isoformat(),
        issuer_name=stated.issuer_name,
        cells=tuple((cell_label(key), day) for key, day in certificate.cells.items()),
        verification_url=verification_url(certificate.public_id),
        revoked_note=f"本证书已于 {revocation.revoked_on.isoformat()} 撤销" if revocation else "",
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF's bytes (CERTIFICATE_FALLBACK_FONT, when set, draws characters outside the shipped font)."""
    page = certificate_page(certificate)
    missing = pdf.missing_characters(page.holder_name + page.issuer_name + page.title)
    fallback = current_app.config.get("CERTIFICATE_FALLBACK_FONT") or None
    if missing and not fallback:
        current_app.logger.warning(
            "certificate %s: no glyph for %r (set CERTIFICATE_FALLBACK_FONT)", page.number, missing
        )
    return pdf.render_pdf(page, fallback_font=fallback if missing else None)
