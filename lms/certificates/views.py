"""Certificate pages: the public verification page, the holder's own certificates, HR's list and revocation."""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from limits import parse

from lms.access import STAFF_ADMIN_ROLES, roles_required
from lms.certificates import documents, service
from lms.certificates.forms import CertificateFilterForm, RevokeForm
from lms.extensions import db, limiter
from lms.forms import show_error

bp = Blueprint("certificates", __name__)

VERIFY_LIMIT = "30 per minute"
# Public ids are 22 characters (16 random bytes, URL-safe base64); anything longer is no id of ours.
PUBLIC_ID = "string(maxlength=32)"


def _verify_allowed() -> bool:
    """Count this verification against the caller's address.

    The app's limiter lets every GET past (lms.extensions), since only POSTs
    were limited; this page is a GET anyone can call, so it takes a hit from
    the same limiter's storage (Redis when configured) itself.
    """
    limit = parse(current_app.config.get("CERTIFICATE_VERIFY_LIMIT", VERIFY_LIMIT))
    return limiter.limiter.hit(limit, "certificate-verify", get_remote_address())


@bp.get(f"/verify/<{PUBLIC_ID}:public_id>")
def verify_page(public_id: str):
    """Public, no sign-in: name, achievement, date, valid or revoked; 404 for any unknown id."""
    if not _verify_allowed():
        abort(429)
    certificate = service.find_certificate(public_id)
    if certificate is None:
        abort(404)
    page = documents.certificate_page(certificate)
    response = Response(render_template("certificates/verify.html", certificate=certificate, page=page))
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"  # a revocation shows at once
    return response


@bp.get("/certificates/mine")
@login_required
def my_certificates():
    """The signed-in person's certificates, with their downloads."""
    return render_template("certificates/mine.html", certificates=service.certificates_of(current_user.id))


def _own_or_404(public_id: str):
    """A certificate of the signed-in person (HR and admin: anyone's), else 404."""
    certificate = service.find_certificate(public_id)
    if certificate is None:
        abort(404)
    if certificate.user_id != current_user.id and not current_user.has_role(*STAFF_ADMIN_ROLES):
        abort(404)
    return certificate


@bp.get(f"/certificates/<{PUBLIC_ID}:public_id>/certificate.pdf")
@login_required
def download_pdf(public_id: str):
    """The certificate as an A4 PDF."""
    certificate = _own_or_404(public_id)
    return Response(
        documents.certificate_pdf(certificate),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{certificate.number}.pdf"'},
    )


@bp.get(f"/certificates/<{PUBLIC_ID}:public_id>/credential.json")
@login_required
def download_credential(public_id: str):
    """The signed Open Badges 3.0 credential, exactly as issued."""
    certificate = _own_or_404(public_id)
    return Response(
        certificate.credential_json,
        mimetype="application/ld+json",
        headers={"Content-Disposition": f'attachment; filename="credential-{certificate.number}.json"'},
    )


@bp.get("/admin/certificates/")
@roles_required("hr", "admin")
def list_certificates():
    """HR's list of certificates, filtered by status and person; paginated."""
    form = CertificateFilterForm(request.args)
    form.validate()
    filters = service.CertificateFilter(
        status=form.status.data if not form.status.errors else "",
        person=(form.person.data or "").strip() if not form.person.errors else "",
    )
    page = db.paginate(
        service.list_certificates(filters),
        per_page=current_app.config.get("CERTIFICATES_PER_PAGE", 50),
        error_out=False,
    )
    return render_template("certificates/list.html", form=form, page=page, revoke_form=RevokeForm())


@bp.route(f"/admin/certificates/<{PUBLIC_ID}:public_id>/revoke", methods=["GET", "POST"])
@roles_required("hr", "admin")
def revoke(public_id: str):
    """HR revokes a certificate with a reason; the verification page then says 已撤销."""
    certificate = service.find_certificate(public_id)
    if certificate is None:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            service.revoke_by_hr(public_id, form.reason.data, current_user)
        except service.CertificateError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"证书 {certificate.number} 已撤销。", "success")
            return redirect(url_for("certificates.list_certificates"))
    status = 400 if request.method == "POST" else 200
    return render_template("certificates/revoke.html", certificate=certificate, form=form), status
