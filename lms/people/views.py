"""HR and admin manage people; everyone may open the profiles they are allowed to see."""

import base64

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from lms.access import STAFF_ADMIN_ROLES, get_person_or_404, roles_required
from lms.audit.origin import request_origin
from lms.auth import service as auth_service
from lms.csv_export import csv_response
from lms.extensions import db
from lms.forms import options, show_error
from lms.models import User
from lms.people import csv_import, service
from lms.people.forms import ConfirmActionForm, ImportConfirmForm, ImportUploadForm, PersonFilterForm, PersonForm

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.get("/")
@roles_required(*STAFF_ADMIN_ROLES)
def list_people():
    """Paginated, filterable list of people."""
    form = PersonFilterForm(request.args)
    form.team.choices = options([("", "全部团队")] + [(team, team) for team in service.team_names()])
    stmt = service.list_people(
        form.q.data or "", form.team.data or "", form.role.data or "", form.status.data or "active"
    )
    page = db.paginate(stmt, per_page=current_app.config["PEOPLE_PER_PAGE"], error_out=False)
    return render_template("people/list.html", form=form, page=page)


@bp.get("/<int:person_id>")
@login_required
def show_person(person_id: int):
    """A person's profile: for themselves, their mentor and manager, HR and admin."""
    person = get_person_or_404(person_id, current_user)
    return render_template("people/show.html", person=person, action_form=ConfirmActionForm())


def _form_to_data(form: PersonForm) -> service.PersonData:
    return service.PersonData(
        employee_no=form.employee_no.data.strip(),
        name=form.name.data.strip(),
        email=form.email.data.strip().lower(),
        hire_date=form.hire_date.data,
        team=(form.team.data or "").strip() or None,
        manager_no=(form.manager_no.data or "").strip() or None,
        mentor_no=(form.mentor_no.data or "").strip() or None,
        roles=set(form.roles.data),
        onboarding_exempt=form.onboarding_exempt.data,
        onboarding_exempt_reason=(form.onboarding_exempt_reason.data or "").strip() or None,
    )


def _save_from_form(form: PersonForm, person=None):
    """Save the form through the service; map rule errors onto fields. Returns the person or None."""
    try:
        saved = service.save_person(_form_to_data(form), person, actor=current_user, origin=request_origin())
    except service.PersonError as error:
        db.session.rollback()
        show_error(form, error)
        return None
    db.session.commit()
    return saved


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_ADMIN_ROLES)
def new_person():
    """Create a person."""
    form = PersonForm(roles=["rep"])
    if form.validate_on_submit() and (person := _save_from_form(form)):
        flash(f"已创建 {person.name}。请为其生成密码设置链接。", "success")
        return redirect(url_for("people.show_person", person_id=person.id))
    return render_template("people/form.html", form=form, person=None)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ADMIN_ROLES)
def edit_person(person_id: int):
    """Edit a person."""
    person = get_person_or_404(person_id, current_user)
    form = PersonForm(obj=person)
    if request.method == "GET":
        form.manager_no.data = person.manager.employee_no if person.manager else ""
        form.mentor_no.data = person.mentor.employee_no if person.mentor else ""
        form.roles.data = sorted(person.roles)
    if form.validate_on_submit() and _save_from_form(form, person):
        flash("已保存。", "success")
        return redirect(url_for("people.show_person", person_id=person.id))
    return render_template("people/form.html", form=form, person=person)


@bp.post("/<int:person_id>/active/<int:value>")
@roles_required(*STAFF_ADMIN_ROLES)
def set_active(person_id: int, value: int):
    """Deactivate (value 0) or reactivate (value 1) a person."""
    person = get_person_or_404(person_id, current_user)
    if not ConfirmActionForm().validate_on_submit():
        flash("操作未确认，请重试。", "error")
        return redirect(url_for("people.show_person", person_id=person.id))
    try:
        service.set_active(person, bool(value), current_user, request_origin())
    except service.PersonError as error:
        flash(str(error), "error")
    else:
        if not value:
            auth_service.end_other_sessions(person)
        db.session.commit()
        flash(f"已{'启用' if value else '停用'} {person.name}。", "success")
    return redirect(url_for("people.show_person", person_id=person.id))


@bp.post("/<int:person_id>/reset-link")
@roles_required(*STAFF_ADMIN_ROLES)
def issue_reset_link(person_id: int):
    """Issue a single-use password link and show it once."""
    person = get_person_or_404(person_id, current_user)
    if not person.active or not ConfirmActionForm().validate_on_submit():
        flash("无法为已停用的账号生成链接。" if not person.active else "操作未确认，请重试。", "error")
        return redirect(url_for("people.show_person", person_id=person.id))
    try:
        token = auth_service.issue_password_reset(person, current_user, request_origin())
    except auth_service.AuthError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("people.show_person", person_id=person.id))
    db.session.commit()
    link = url_for("auth.reset_password", token=token, _external=True)
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    return render_template("people/reset_link.html", person=person, link=link, hours=hours)


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*STAFF_ADMIN_ROLES)
def import_people():
    """Upload a CSV and preview what it would change (a dry run)."""
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return render_template("people/import.html", form=form, report=None)
    raw = form.file.data.read()
    try:
        report = csv_import.import_people(raw, dry_run=True, actor=current_user)
    except csv_import.CsvFormatError as error:
        form.file.errors.append(str(error))
        return render_template("people/import.html", form=form, report=None)
    confirm = ImportConfirmForm(payload=base64.b64encode(raw).decode())
    return render_template("people/import.html", form=form, report=report, confirm=confirm)


@bp.post("/import/confirm")
@roles_required(*STAFF_ADMIN_ROLES)
def confirm_import():
    """Apply a previewed CSV; it is validated again, and written only if all of it is valid."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        flash("导入未确认，请重新上传。", "error")
        return redirect(url_for("people.import_people"))
    try:
        report = csv_import.import_people(
            base64.b64decode(form.payload.data), dry_run=False, actor=current_user, origin=request_origin()
        )
    except (csv_import.CsvFormatError, ValueError) as error:
        flash(str(error), "error")
        return redirect(url_for("people.import_people"))
    if report.errors:
        db.session.rollback()
        return render_template("people/import.html", form=ImportUploadForm(), report=report, confirm=None)
    db.session.commit()
    flash("导入完成：" + report.summary + "。", "success")
    return redirect(url_for("people.list_people"))


@bp.get("/export.csv")
@roles_required(*STAFF_ADMIN_ROLES)
def export_people():
    """Everyone as a CSV that the import accepts back (through the one CSV helper: BOM, no formulas)."""
    stmt = service.list_people(status="all").options(selectinload(User.manager), selectinload(User.mentor))
    header = ["工号", "姓名", "邮箱", "入职日期", "团队", "经理工号", "导师工号", "角色", "在职"]
    return csv_response("people.csv", header, (csv_import.export_row(person) for person in db.session.scalars(stmt)))
