"""The admin's audit page: browse, filter and export who did what."""

from flask import Blueprint, current_app, render_template, request

from lms.access import roles_required
from lms.audit import service
from lms.audit.forms import AuditFilterForm
from lms.csv_export import csv_response
from lms.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

EXPORT_HEADER = ["时间", "操作", "操作人", "对象", "关联记录", "内容", "来源地址", "浏览器"]


def _filter_from(form: AuditFilterForm) -> service.AuditFilter:
    """The form's filter; fields that do not validate are left out (their errors show beside them)."""
    form.validate()
    for field in (form.since, form.until):
        if field.errors:  # WTForms' own message is English
            field.errors = ["日期格式无效，应为 YYYY-MM-DD。"]
    names = ("action", "actor", "subject", "since", "until")
    valid = {name: form[name].data for name in names if not form[name].errors}
    return service.AuditFilter(
        action=valid.get("action") or "",
        actor_no=valid.get("actor") or "",
        subject_no=valid.get("subject") or "",
        since=valid.get("since"),
        until=valid.get("until"),
    )


@bp.get("/")
@roles_required("admin")
def list_entries():
    """Audit entries, newest first, filtered by action, actor, subject and local dates; paginated."""
    form = AuditFilterForm(request.args)
    stmt = service.list_entries(_filter_from(form))
    page = db.paginate(stmt, per_page=current_app.config.get("AUDIT_PER_PAGE", 50), error_out=False)
    return render_template(
        "audit/list.html", form=form, page=page, describe=service.describe, person_label=service.person_label
    )


@bp.get("/export.csv")
@roles_required("admin")
def export_entries():
    """The filtered entries as CSV (through the one CSV helper)."""
    entries = db.session.scalars(service.list_entries(_filter_from(AuditFilterForm(request.args))))
    return csv_response("audit.csv", EXPORT_HEADER, service.export_rows(entries))
