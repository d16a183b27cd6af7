"""CSV import of people: encodings, validation with line numbers, all-or-nothing upsert."""

import pytest
from sqlalchemy import func, select

from lms.models import User
from lms.people.csv_import import CsvFormatError, import_people

HEADER = "工号,姓名,邮箱,入职日期,团队,经理工号,导师工号,角色,在职\n"
GOOD = HEADER + (
    "M001,马经理,ma@example.com,2020-01-06,华东一组,,,销售主管,是\n"
    "T001,秦导师,qin@example.com,2021-03-01,华东一组,M001,,导师;销售代表,是\n"
    "R001,李销售,li@example.com,2026/11/02,华东一组,M001,T001,销售代表,是\n"
)


def count_people(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_imports_valid_file_with_references_inside_it(db):
    report = import_people(GOOD.encode("utf-8"))
    db.session.commit()
    assert report.applied and report.summary == "新增 3 人，更新 0 人，未变 0 人"
    rep = db.session.scalars(select(User).where(User.employee_no == "R001")).one()
    assert rep.manager.employee_no == "M001" and rep.mentor.employee_no == "T001"
    assert rep.hire_date.isoformat() == "2026-11-02"
    assert db.session.scalars(select(User).where(User.employee_no == "T001")).one().roles == {"mentor", "rep"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_reads_utf8_with_or_without_bom_and_gbk(db, encoding):
    report = import_people(GOOD.encode(encoding))
    assert not report.errors
    assert [row.data.name for row in report.rows] == ["马经理", "秦导师", "李销售"]


def test_refuses_unreadable_encoding(db):
    with pytest.raises(CsvFormatError, match="无法识别文件编码"):
        import_people(GOOD.encode("utf-16"))


def test_dry_run_writes_nothing(db):
    report = import_people(GOOD.encode(), dry_run=True)
    assert report.count("create") == 3 and not report.applied
    db.session.commit()
    assert count_people(db) == 0


def test_upsert_by_employee_number(db):
    import_people(GOOD.encode())
    db.session.commit()
    changed = GOOD.replace("李销售,li@example.com", "李小销,li@example.com")
    report = import_people(changed.encode())
    db.session.commit()
    assert report.summary == "新增 0 人，更新 1 人，未变 2 人"
    assert db.session.scalars(select(User.name).where(User.employee_no == "R001")).one() == "李小销"
    assert count_people(db) == 3


def test_missing_required_column(db):
    with pytest.raises(CsvFormatError, match="缺少必填列：邮箱"):
        import_people("工号,姓名\nR1,甲\n".encode())


def test_unknown_column(db):
    with pytest.raises(CsvFormatError, match="无法识别的列名「部门」"):
        import_people("工号,姓名,邮箱,部门\nR1,甲,a@x.com,销售\n".encode())


def test_every_bad_row_reported_with_its_line_and_nothing_written(db):
    bad = HEADER + (
        "M001,马经理,ma@example.com,2020-01-06,华东一组,,,销售主管,是\n"  # line 2: fine
        "R002,,r2@example.com,2026-01-01,,,,,\n"  # line 3: no name
        "R003,丙,not-an-email,2026-01-01,,,,,\n"  # line 4
        "R004,丁,d@example.com,2026-02-30,,,,,\n"  # line 5
        "R005,戊,e@example.com,2026-01-01,,X999,,,\n"  # line 6
        "M001,重复,dup@example.com,2026-01-01,,,,,\n"  # line 7
        "R006,己,ma@example.com,2026-01-01,,,,,\n"  # line 8: e-mail of line 2
        "R007,庚,g@example.com,2026-01-01,,,,魔法师,\n"  # line 9
        f"R008,{'长' * 65},h@example.com,,,,,,\n"  # line 10
    )
    report = import_people(bad.encode())
    db.session.commit()
    messages = [str(error) for error in report.errors]
    assert messages == [
        "第 3 行：姓名不能为空",
        "第 4 行：邮箱「not-an-email」格式无效",
        "第 5 行：入职日期「2026-02-30」无效，应为 YYYY-MM-DD，例如 2026-03-01",
        "第 6 行：经理工号 X999 不存在（既不在文件中，也不在系统中）",
        "第 7 行：工号 M001 与第 2 行重复",
        "第 8 行：邮箱 ma@example.com 与第 2 行重复",
        "第 9 行：未知角色「魔法师」，可用：销售代表、导师、销售主管、人力资源、系统管理员",
        "第 10 行：姓名超过 64 个字符",
    ]
    assert not report.applied
    assert count_people(db) == 0


def test_email_taken_by_someone_else_in_the_system(db, make_user):
    make_user(email="taken@example.com")
    report = import_people((HEADER + "R9,甲,TAKEN@example.com,,,,,,\n").encode())
    db.session.commit()
    assert [str(error) for error in report.errors] == ["第 2 行：邮箱 taken@example.com 已被 员工1（E0001）使用。"]
    assert count_people(db) == 1


def test_cli_import(runner, tmp_path, app):
    path = tmp_path / "people.csv"
    path.write_bytes(GOOD.encode("gbk"))
    assert "预览（未写入）" in runner.invoke(args=["users", "import", str(path), "--dry-run"]).output
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "导入完成：新增 3 人" in result.output
    path.write_bytes((HEADER + "R9,,x@example.com,,,,,,\n").encode())
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "第 2 行：姓名不能为空" in result.output


def test_a_cell_beyond_the_csv_field_limit_names_its_line(db):
    huge = HEADER + "R1,甲,a@example.com,,,,,,\n" + "R2," + "长" * (4 * 1024 * 1024 // 3) + ",b@example.com,,,,,,\n"
    with pytest.raises(CsvFormatError, match="第 3 行：单元格过长"):
        import_people(huge.encode())


def _upload(client, body: bytes):
    """POST a CSV to the import page, encoded in memory (the test client's own encoder leaves a
    temporary file open for bodies over 500 KB)."""
    import io

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    upload = FileStorage(io.BytesIO(body), filename="people.csv", content_type="text/csv")
    fields = {"file": upload, "csrf_token": client.csrf_token()}
    boundary, data = encode_multipart(fields)
    return client.post("/people/import", data=data, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_four_megabyte_field_uploaded_gets_the_message_not_a_500(client, auth, make_user):
    auth.login(make_user(roles=("hr",)))
    body = (HEADER + "R1,甲,a@example.com,,,,,,\n" + "R2,乙," + "x" * 4_000_000 + "\n").encode()
    response = _upload(client, body)
    assert response.status_code == 200 and "第 3 行：单元格过长" in response.get_data(as_text=True)


def _people_csv(count: int, start: int = 0, team: str = "华东一组", manager: str = "M001") -> bytes:
    lines = [
        f"R{start + n:06d},员工{n},r{start + n}@example.com,2026-01-05,{team},{manager},,销售代表,是\n"
        for n in range(count)
    ]
    boss = f"{manager},马经理,{manager.lower()}@example.com,2020-01-06,华东一组,,,销售主管,是\n"
    return (HEADER + boss + "".join(lines)).encode()


def test_more_rows_than_the_limit_are_refused_with_the_limit_stated(client, auth, make_user):
    from lms.people.csv_import import MAX_ROWS

    auth.login(make_user(roles=("hr",)))
    response = _upload(client, _people_csv(MAX_ROWS))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f"一次最多导入 {MAX_ROWS} 人" in page


def _queries(app, body: bytes) -> int:
    from sqlalchemy import event

    from lms.extensions import db

    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        report = import_people(body)
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert report.applied, report.errors[:3]
    return counter["n"]


def test_the_import_costs_the_same_queries_for_ten_rows_as_for_a_thousand(app, db, make_user):
    make_user(employee_no="X1")  # someone already there
    small, large = _queries(app, _people_csv(10)), _queries(app, _people_csv(1000, start=100, manager="M002"))
    assert small == large
    # and again when every row is an update (team changed)
    assert _queries(app, _people_csv(10, team="华南组")) == _queries(
        app, _people_csv(1000, start=100, team="华南组", manager="M002")
    )
    assert count_people(db) == 1 + 1 + 10 + 1 + 1000
    rep = db.session.scalars(select(User).where(User.employee_no == "R000150")).one()
    assert (rep.team, rep.manager.employee_no, rep.roles, rep.hire_date.isoformat()) == (
        "华南组",
        "M002",
        {"rep"},
        "2026-01-05",
    )


def test_employee_numbers_compare_ignoring_case_as_sign_in_does(db, make_user):
    make_user(employee_no="S00120", name="老员工")
    report = import_people(
        (HEADER + "s00120,新人,n@example.com,,,,,,\nR1,甲,a@example.com,,,,,,\nr1,乙,b@example.com,,,,,,\n").encode()
    )
    assert [str(error) for error in report.errors] == [
        "第 2 行：工号 s00120 与 老员工 的工号 S00120 仅大小写不同；登录不区分大小写，不能同时使用。",
        "第 4 行：工号 r1 与第 3 行重复",
    ]


def test_what_the_importer_may_not_do_is_refused_per_row_and_changes_are_audited(db, make_user):
    from lms.models import AuditEntry

    hr, admin = make_user(roles=("hr",)), make_user(roles=("admin",), employee_no="A1", email="a1@example.com")
    hr, admin = db.session.get(User, hr.id), db.session.get(User, admin.id)
    grant = HEADER + "R1,甲,r1@example.com,,,,,系统管理员,是\nA1,管理员,a1@example.com,,,,,系统管理员,否\n"
    report = import_people(grant.encode(), actor=hr)
    assert [str(error) for error in report.errors] == [
        "第 2 行：只有系统管理员可以授予或撤销管理员角色。",
        "第 3 行：只有系统管理员可以停用或启用管理员账号。",
    ]
    report = import_people(GOOD.encode(), actor=hr)
    db.session.commit()
    assert report.applied
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.details["employee_no"], e.details["after"]) for e in entries] == [
        ("roles_changed", hr.id, "M001", ["manager"]),
        ("roles_changed", hr.id, "T001", ["mentor", "rep"]),
    ]
    report = import_people((HEADER + "R1,甲,r1@example.com,,,,,系统管理员,是\n").encode(), actor=admin)
    assert report.applied and not report.errors
    # roles, links and (de)activation of existing people change as the file says; unchanged rows stay
    changed = GOOD.replace(
        "T001,秦导师,qin@example.com,2021-03-01,华东一组,M001,,导师;销售代表,是",
        "T001,秦导师,qin@example.com,2021-03-01,华东一组,,R001,导师,否",
    )
    report = import_people(changed.encode(), actor=admin)
    db.session.commit()
    assert report.summary == "新增 0 人，更新 1 人，未变 2 人"
    mentor = db.session.scalars(select(User).where(User.employee_no == "T001")).one()
    assert (mentor.roles, mentor.manager, mentor.mentor.employee_no, mentor.active) == ({"mentor"}, None, "R001", False)
    assert db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() == "person_deactivated"
