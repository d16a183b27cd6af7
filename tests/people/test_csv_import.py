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
