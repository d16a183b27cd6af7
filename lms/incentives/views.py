"""The record pages (issue 14, 8): 我的档案, a person's record, the team view, HR's period report and confirmations.

A rep sees only their own record (another's answers 403), a manager their
people, HR and admin everyone (`eligibility.may_view_record`). Opening or
exporting another person's record writes a `record_view` row, so these GETs
write: declared here, committed at the end of the view, and each person can
see the log on their own page.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from lms import clock
from lms.access import roles_required
from lms.csv_export import csv_response
from lms.database import begin_settling, settles_state
from lms.errors import render_error
from lms.extensions import db
from lms.forms import show_error
from lms.incentives import confirmation as confirming
from lms.incentives import record, report
from lms.incentives.eligibility import current_rules, eligibility_of, may_view_record
from lms.incentives.facts_text import describe_fact
from lms.incentives.forms import ConfirmForm, PeriodForm, RecordForm, ReportForm
from lms.incentives.loader import RuleLoadError
from lms.incentives.periods import Period, PeriodError, last_completed_quarter, parse_period
from lms.models import EligibilityConfirmation, FactKind, RecordEntry, User

bp = Blueprint("incentives", __name__, url_prefix="/record")

PER_PAGE = 50
TEAM_ROLES = ("manager", "hr", "admin")
HR_ROLES = ("hr", "admin")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Where a fact's source object can be opened, when its feature offers a page: table -> (endpoint, argument).
SOURCE_PAGES = {
    "exam_attempt": ("exams.show_result", "attempt_id"),
    "case_review": ("cases.show_case", "case_id"),
    "suggestion": ("suggestions.show_suggestion", "suggestion_id"),
    "performance_grade": ("performance.show_grade", "grade_id"),
    "eligibility_confirmation": ("incentives.show_confirmation", "confirmation_id"),
}


@bp.errorhandler(RuleLoadError)
def _rules_unavailable(error: RuleLoadError):
    # A broken deploy of content/incentives.yaml: say so in Chinese (with file:line) rather than a bare 500.
    return render_error(503, "激励规则文件无法加载，请运行 lms content check：" + "；".join(map(str, error.errors)))


@bp.app_template_global()
def fact_source_url(source: str) -> str | None:
    """The page of a fact's source object, when there is one (else None)."""
    table, _, ident = source.partition(":")
    page = SOURCE_PAGES.get(table)
    if page is None or page[0] not in current_app.view_functions or not ident.isdigit():
        return None
    return url_for(page[0], **{page[1]: int(ident)})


# The report's cells take one of three fixed forms. Joined here instead of a Jinja loop over 50 × 7 cells,
# which was the largest part of rendering the page (bench_record_report.py).
_REPORT_CELLS = {
    "met": '<td><span class="result-pass">符合</span></td>',
    "near": '<td><span class="tag tag-warn">差一步</span></td>',
    "": '<td><span class="muted">—</span></td>',
}


@bp.app_template_global()
def report_cells(eligibility) -> Markup:
    """One report row's rule cells: 符合, 差一步 or —."""
    # Constant markup only (nothing a person typed), so plain joining and one Markup are safe.
    return Markup(
        "".join(
            _REPORT_CELLS["met" if result.met else "near" if result.one_step_away else ""]
            for result in eligibility.results
        )
    )


@bp.app_template_global()
def fact_text(entry) -> str:
    """A ledger entry (or a rules Fact) as one line of Chinese."""
    payload = entry.payload_data if isinstance(entry, RecordEntry) else entry.payload
    return describe_fact(entry.kind, payload)


def _period_and_day(form: PeriodForm) -> tuple[Period, date]:
    """The period and the as-of day asked for; a bad value gets its message beside the field and the default."""
    form.validate()
    today = clock.today()
    period = last_completed_quarter(today)
    if form.period.data and not form.period.errors:
        try:
            period = parse_period(form.period.data)
        except PeriodError as error:
            form.period.errors = [str(error)]
    as_of = today
    if form.as_of.errors:
        form.as_of.errors = ["日期格式无效，应为 YYYY-MM-DD。"]
    elif form.as_of.data:
        if form.as_of.data > today:
            form.as_of.errors = ["截至日期不能晚于今天。"]
        else:
            as_of = form.as_of.data
    form.period.data, form.as_of.data = period.name, as_of
    return period, as_of


def _timeline_filter(form: RecordForm) -> record.TimelineFilter:
    within = None
    if form.within.data:
        try:
            within = parse_period(form.within.data)
        except PeriodError as error:
            form.within.errors = [str(error)]
    kind = form.kind.data if not form.kind.errors and form.kind.data in FactKind._value2member_map_ else ""
    return record.TimelineFilter(kind=kind, period=within)


def _render_record(person: User, own: bool):
    form = RecordForm(request.args)
    period, as_of = _period_and_day(form)
    rules = current_rules()
    eligibility = eligibility_of(person, rules, period, as_of)
    page = db.paginate(
        record.timeline(person.id, _timeline_filter(form)), per_page=PER_PAGE, error_out=False, count=True
    )
    corrected = record.superseded_by([entry.seq for entry in page.items])
    return render_template(
        "incentives/record.html",
        person=person,
        own=own,
        form=form,
        rules=rules,
        eligibility=eligibility,
        page=page,
        corrected=corrected,
    )


@bp.get("/")
@login_required
def my_record():
    """我的档案: my facts (filtered, paginated), my eligibility for a period, and what I still need."""
    return _render_record(current_user, own=True)


def _log(viewer: User, subject_ids: list[int], what: str) -> None:
    """Log looks at other people's records from a GET marked @settles_state: the read ends, the log commits."""
    if any(subject_id != viewer.id for subject_id in subject_ids):
        begin_settling(db.session)
        record.log_views(viewer, subject_ids, what)
        db.session.commit()


def _person_or_403(person_id: int) -> User:
    person = db.get_or_404(User, person_id)
    if not may_view_record(current_user, person):
        abort(403)
    return person


@bp.get("/people/<int:person_id>")
@login_required
@settles_state
def person_record(person_id: int):
    """Another person's record, for their manager and HR; the look is logged (a GET that writes)."""
    person = _person_or_403(person_id)
    if person.id == current_user.id:
        return redirect(url_for("incentives.my_record", **request.args))
    response = _render_record(person, own=False)
    _log(current_user, [person.id], "record")
    return response


@bp.get("/facts/<int:seq>")
@login_required
@settles_state
def show_fact(seq: int):
    """One fact with its place in the chain; a confirmation fact is explained again exactly as it was made."""
    entry = db.get_or_404(RecordEntry, seq)
    person = _person_or_403(entry.subject_id)
    again = confirming.reexplain(entry) if entry.kind == FactKind.ELIGIBILITY_CONFIRMED.value else None
    corrected = record.superseded_by([entry.seq])
    response = render_template("incentives/fact.html", entry=entry, person=person, again=again, corrected=corrected)
    _log(current_user, [person.id], "fact")
    return response


@bp.get("/views")
@login_required
def my_viewers():
    """Who has looked at my record, newest first."""
    page = db.paginate(record.views_of(current_user.id), per_page=PER_PAGE, error_out=False)
    return render_template("incentives/viewers.html", page=page, what=record.VIEW_WHAT)


@bp.get("/team")
@roles_required(*TEAM_ROLES)
def team():
    """A manager's people: who qualifies for what this period, who is one step away (HR and admin: everyone)."""
    form = PeriodForm(request.args)
    period, as_of = _period_and_day(form)
    rules = current_rules()
    rows = report.all_rows(report.ReportFilter(), rules, period, as_of, viewer=current_user)
    rows.sort(key=lambda row: (not row.eligibility.qualifies, not row.eligibility.near, row.person.employee_no))
    page_no = max(1, request.args.get("page", 1, type=int))
    shown = report.ReportPage(rows[(page_no - 1) * PER_PAGE : page_no * PER_PAGE], len(rows), page_no, PER_PAGE)
    return render_template("incentives/team.html", form=form, rules=rules, page=shown, period=period)


def _report_filter(form: ReportForm, rules) -> report.ReportFilter:
    form.team.choices = [("", "全部团队")] + [(team, team) for team in report.teams()]
    form.rule.choices = [("", "全部人员"), ("any", "符合任一规则"), ("near", "差一步")] + [
        (rule.key, f"符合：{rule.title}") for rule in rules.rules
    ]
    rule = form.rule.data if form.rule.data in {value for value, _ in form.rule.choices} else ""
    return report.ReportFilter(team=form.team.data or "", query=(form.q.data or "").strip(), rule=rule)


@bp.get("/report")
@roles_required(*HR_ROLES)
def period_report():
    """HR's period report: everyone's eligibility rule by rule, filtered and paginated; confirm and export."""
    form = ReportForm(request.args)
    period, as_of = _period_and_day(form)
    rules = current_rules()
    wanted = _report_filter(form, rules)
    page_no = max(1, request.args.get("page", 1, type=int))
    page = report.report_page(wanted, rules, period, as_of, page_no, PER_PAGE)
    history = db.session.scalars(confirming.confirmations(period).limit(10)).all()
    confirm_form = ConfirmForm(period=period.name, as_of=as_of.isoformat())
    return render_template(
        "incentives/report.html",
        form=form,
        rules=rules,
        page=page,
        period=period,
        as_of=as_of,
        history=history,
        confirm_form=confirm_form,
        export_args={key: value for key, value in request.args.items() if key != "page"},
    )


def _export(kind: str) -> Response:
    form = ReportForm(request.args)
    period, as_of = _period_and_day(form)
    rules = current_rules()
    rows = report.all_rows(_report_filter(form, rules), rules, period, as_of)
    _log(current_user, [row.person.id for row in rows], "export")
    header, lines = report.export_header(rules), report.export_rows(rows)
    name = f"incentives-{period.name}.{kind}"
    if kind == "csv":
        return csv_response(name, header, lines)
    body = report.xlsx_bytes(header, lines, f"激励资格 {period.name}")
    return Response(body, mimetype=XLSX_MIMETYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/report.csv")
@roles_required(*HR_ROLES)
@settles_state
def report_csv():
    """The filtered report, every row, as CSV (each look logged for the people in it)."""
    return _export("csv")


@bp.get("/report.xlsx")
@roles_required(*HR_ROLES)
@settles_state
def report_xlsx():
    """The filtered report as an Excel workbook."""
    return _export("xlsx")


@bp.post("/report/confirm")
@roles_required(*HR_ROLES)
def confirm():
    """HR confirms the period's eligibility list as the record stands on the given day."""
    form = ConfirmForm()
    if not form.validate():
        flash("确认请求无效，请刷新页面后重试。", "error")
        return redirect(url_for("incentives.period_report"))
    try:
        period = parse_period(form.period.data)
        as_of = date.fromisoformat(form.as_of.data) if form.as_of.data else None
        done = confirming.confirm_period(period, current_rules(), current_user, as_of)
    except (PeriodError, ValueError) as error:
        flash(str(error) if isinstance(error, PeriodError) else "截至日期格式无效。", "error")
        return redirect(url_for("incentives.period_report"))
    except confirming.ConfirmationError as error:
        show_error(None, error)
        return redirect(url_for("incentives.period_report", period=form.period.data))
    db.session.commit()
    flash(f"已确认 {done.period} 的激励资格名单：{done.people_count} 人。", "success")
    return redirect(url_for("incentives.show_confirmation", confirmation_id=done.id))


@bp.get("/confirmations/<int:confirmation_id>")
@roles_required(*HR_ROLES)
@settles_state
def show_confirmation(confirmation_id: int):
    """A confirmation and its list, each decision explained again from what it stored."""
    done = db.get_or_404(EligibilityConfirmation, confirmation_id)
    page = db.paginate(confirming.confirmation_facts(done), per_page=PER_PAGE, error_out=False)
    people = (
        {
            person.id: person
            for person in db.session.scalars(
                db.select(User).where(User.id.in_([entry.subject_id for entry in page.items]))
            )
        }
        if page.items
        else {}
    )
    decisions = [(people.get(entry.subject_id), entry, confirming.reexplain(entry)) for entry in page.items]
    response = render_template("incentives/confirmation.html", done=done, page=page, decisions=decisions)
    _log(current_user, [entry.subject_id for entry in page.items], "confirmation")
    return response
