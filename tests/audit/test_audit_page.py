"""The admin's audit page: who may see it, filters, local times, pagination, CSV export."""

import csv
import io
import re
from datetime import datetime

from lms import clock
from lms.audit import service as audit
from lms.extensions import db as _db
from lms.models import AuditAction, User


def _record(app, action, actor, subject, at, **extra):
    with app.app_context():
        entry = audit.record(
            action,
            actor=_db.session.get(User, actor.id) if actor else None,
            subject=_db.session.get(User, subject.id),
            origin=audit.Origin("10.0.0.9", "UA/1"),
            **extra,
        )
        entry.at = at
        _db.session.commit()


def test_only_admins_see_the_audit_page(client, auth, make_user):
    auth.login(make_user(roles=("hr",)))
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403
    assert "审计日志" not in client.get("/dashboard/hr").get_data(as_text=True)


def test_admin_browses_and_filters_with_local_times(app, client, auth, make_user):
    admin, hr, rep = make_user(roles=("admin",), name="管理员"), make_user(roles=("hr",), name="人事"), make_user()
    # 19:08 UTC is 03:08 the next day in Beijing (LMS_TIMEZONE's default).
    _record(
        app,
        AuditAction.ROLES_CHANGED,
        admin,
        hr,
        datetime(2026, 12, 1, 19, 8),
        details={"before": ["hr"], "after": ["admin", "hr"]},
    )
    _record(app, AuditAction.PERSON_DEACTIVATED, hr, rep, datetime(2026, 11, 30, 2, 0))
    _record(app, AuditAction.PASSWORD_LINK_ISSUED, None, rep, datetime(2026, 11, 29, 2, 0))
    auth.login(admin)
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert re.findall(r'aria-current="page">([^<]+)<', page) == ["审计日志"]
    assert "2026-12-02 03:08" in page and "人力资源 → 系统管理员、人力资源" in page
    assert "系统命令" in page and "10.0.0.9" in page
    only_roles = client.get("/admin/audit/?action=roles_changed").get_data(as_text=True)
    assert "角色变更" in only_roles and "停用账号" not in only_roles.split("<tbody>")[1]
    by_actor = client.get(f"/admin/audit/?actor={hr.employee_no.lower()}").get_data(as_text=True)
    assert "停用账号" in by_actor.split("<tbody>")[1] and "2026-12-02 03:08" not in by_actor
    by_subject = client.get(f"/admin/audit/?subject={rep.employee_no}").get_data(as_text=True)
    assert "2026-12-02 03:08" not in by_subject and "系统命令" in by_subject
    # Dates are local days: 2026-12-02 (Beijing) holds the 19:08 UTC entry of 12-01.
    day = client.get("/admin/audit/?since=2026-12-02&until=2026-12-02").get_data(as_text=True)
    assert "2026-12-02 03:08" in day and "停用账号" not in day.split("<tbody>")[1]
    bad = client.get("/admin/audit/?since=yesterday")
    assert bad.status_code == 200 and "日期格式无效" in bad.get_data(as_text=True)


def test_pagination_and_csv_export(app, client, auth, make_user):
    app.config["AUDIT_PER_PAGE"] = 2
    admin, rep = make_user(roles=("admin",)), make_user(name='=HYPERLINK("x")')
    for hour in range(3):
        _record(app, AuditAction.PERSON_REACTIVATED, admin, rep, datetime(2026, 12, 1, hour))
    auth.login(admin)
    assert "第 1 / 2 页，共 3 条" in client.get("/admin/audit/").get_data(as_text=True)
    response = client.get("/admin/audit/export.csv?action=person_reactivated")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["时间", "操作", "操作人"] and len(rows) == 4
    assert rows[1][0] == "2026-12-01 10:00" and rows[1][1] == "重新启用账号"
    assert rows[1][3].startswith("'=HYPERLINK")


def test_the_list_costs_the_same_queries_for_more_entries(app, client, auth, make_user):
    from sqlalchemy import event

    admin = make_user(roles=("admin",))
    people = [make_user() for _ in range(6)]
    auth.login(admin)

    def count_for(entries: int) -> int:
        for person in people[:entries]:
            _record(app, AuditAction.PERSON_DEACTIVATED, admin, person, clock.now())
        statements = []
        with app.app_context():
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(_db.engine, "before_cursor_execute", listener)
            try:
                assert client.get("/admin/audit/").status_code == 200
            finally:
                event.remove(_db.engine, "before_cursor_execute", listener)
        return len(statements)

    assert count_for(1) == count_for(5)
