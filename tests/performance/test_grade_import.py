"""The grade import (7.2): encodings and XLSX, every bad row with its line, all or nothing, corrections, shares."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.models import FactKind, GradeImport, ImprovementPlan, PerformanceGrade, RecordEntry
from lms.performance import grade_file, grades

from .conftest import csv_bytes, xlsx_bytes


def _count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def _nothing_written():
    assert (_count(PerformanceGrade), _count(GradeImport), _count(RecordEntry)) == (0, 0, 0)


def _facts():
    return list(_db.session.scalars(select(RecordEntry).order_by(RecordEntry.seq)))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_in_utf8_with_or_without_bom_or_gbk_imports_with_one_fact_per_grade(
    db, org, frozen_now, import_grades, encoding
):
    data = csv_bytes(
        [["S001", "2026-Q3", "85", "A", "125%", "8"], ["s002", "2026-Q3", "72.5", "", "", ""]], encoding=encoding
    )
    plan = import_grades(data, "三季度.csv", actor=org["hr"])
    assert plan.errors == [] and plan.summary == "新增 2 条，更正 0 条，不变 0 条"
    first, second = _db.session.scalars(select(PerformanceGrade).order_by(PerformanceGrade.id))
    assert (first.user_id, first.grade, first.score, first.kpi_rate) == (
        org["rep1"].id,
        "A",
        Decimal("85.0"),
        Decimal("125.0"),
    )
    assert (second.user_id, second.grade, second.score) == (org["rep2"].id, "B", Decimal("72.5"))  # grade from score
    facts = _facts()
    assert [(f.kind, f.subject_id, f.source, f.recorded_by_id) for f in facts] == [
        (FactKind.PERFORMANCE_GRADE, org["rep1"].id, f"performance_grade:{first.id}", org["hr"].id),
        (FactKind.PERFORMANCE_GRADE, org["rep2"].id, f"performance_grade:{second.id}", org["hr"].id),
    ]
    assert json.loads(facts[0].payload) == {
        "period": "2026-Q3",
        "period_kind": "quarter",
        "score": "85.0",
        "grade": "A",
        "kpi_rate": "125.0",
        "satisfaction_percentile": "8.0",
        "import_id": first.import_id,
        "reason": None,
    }
    record = _db.session.get(GradeImport, first.import_id)
    assert (record.file_name, record.row_count, record.imported_by_id, record.periods) == (
        "三季度.csv",
        2,
        org["hr"].id,
        "2026-Q3",
    )


def test_xlsx_with_numbers_percent_cells_and_a_month_excel_turned_into_a_date(db, org, frozen_now, import_grades):
    from datetime import datetime

    rows = [
        ["S001", "2026", 91, "S", 1.3, 5],
        ["S002", datetime(2026, 7, 1), 64.5, "c", None, None],
        ["S003", 2025, None, "D"],
    ]
    plan = import_grades(xlsx_bytes(rows, formats={4: "0%"}), "年度.xlsx", actor=org["hr"])
    assert plan.errors == []
    by_user = {g.user_id: g for g in _db.session.scalars(select(PerformanceGrade))}
    assert (by_user[org["rep1"].id].period_kind, by_user[org["rep1"].id].kpi_rate) == ("year", Decimal("130.0"))
    assert (by_user[org["rep2"].id].period, by_user[org["rep2"].id].grade) == ("2026-07", "C")
    assert (by_user[org["rep3"].id].period, by_user[org["rep3"].id].score, by_user[org["rep3"].id].grade) == (
        "2025",
        None,
        "D",
    )


def test_an_excel_formulas_binary_noise_is_read_as_the_number_it_shows(db, org, frozen_now, import_grades):
    noisy = 72.3 * 1.0000000000000002  # 72.30000000000001 as a float, 72.3 in Excel
    assert str(noisy) != "72.3"
    plan = import_grades(xlsx_bytes([["S001", "2026-Q3", noisy, "B"], ["S002", "2026-Q3", 85.25, "A"]]), "q3.xlsx")
    assert [str(error) for error in plan.errors] == ["第 3 行：绩效总分「85.25」最多保留 1 位小数"]
    plan = import_grades(xlsx_bytes([["S001", "2026-Q3", noisy, "B"]]), "q3.xlsx")
    assert plan.rows[0].row.score == Decimal("72.3")


def test_a_wrong_encoding_is_reported_and_nothing_written(db, org, frozen_now, import_grades):
    with pytest.raises(grades.GradeFileError, match="编码"):
        import_grades(csv_bytes([["S001", "2026-Q3", "85", "A", "", ""]], encoding="utf-16"))
    # Big5 bytes decode as GBK to nonsense: the header names the encoding as the likely cause.
    big5 = csv_bytes([["S001", "2026-Q3", "85", "A"]], header=["工號", "期間", "績效總分", "等級"], encoding="big5")
    with pytest.raises(grades.GradeFileError, match="乱码.*编码不对"):
        import_grades(big5)
    _nothing_written()


@pytest.mark.parametrize(
    "data, name",
    [
        (b"PK\x03\x04 truncated workbook", "grades.xlsx"),
        (b"this is not a workbook at all", "grades.xlsx"),
        ("xlsx-cut", "grades.xlsx"),
    ],
)
def test_an_unreadable_xlsx_is_reported_and_nothing_written(db, org, frozen_now, import_grades, data, name):
    if data == "xlsx-cut":
        whole = xlsx_bytes([["S001", "2026-Q3", 85, "A"]])
        data = whole[: len(whole) // 2]
    with pytest.raises(grades.GradeFileError, match="无法读取 XLSX"):
        import_grades(data, name)
    _nothing_written()


BAD_ROWS = [
    (["S001", "2026-Q3", "92", "A", "", ""], "等级 A 与绩效总分 92.0 不符"),
    (["S001", "2026-Q3", "58", "C", "", ""], "C 级为 60–69 分"),
    (["X999", "2026-Q3", "85", "A", "", ""], "工号 X999 不存在"),
    (["S001", "2027-Q1", "85", "A", "", ""], "期间 2027-Q1 尚未开始"),
    (["S001", "2026-11", "85", "A", "", ""], "期间 2026-11 尚未开始"),
    (["S001", "2026-Q5", "85", "A", "", ""], "期间「2026-Q5」无效"),
    (["S001", "", "85", "A", "", ""], "期间不能为空"),
    (["S001", "2026-Q3", "130", "", "", ""], "绩效总分 130 超出范围"),
    (["S001", "2026-Q3", "八十五", "", "", ""], "绩效总分「八十五」不是有效的数字"),
    (["S001", "2026-Q3", "85.25", "", "", ""], "最多保留 1 位小数"),
    (["S001", "2026-Q3", "", "E", "", ""], "等级「E」无效"),
    (["S001", "2026-Q3", "", "", "", ""], "绩效总分与等级至少填写一项"),
    (["S001", "2026-Q3", "85", "A", "-5", ""], "KPI达成率「-5」不是有效的数字"),
    (["S001", "2026-Q3", "85", "A", "", "0"], "客户满意度排名百分位应大于 0"),
    (["S001", "2026-Q3", "85", "A", "", "101"], "客户满意度排名百分位 101 超出范围"),
    (["", "2026-Q3", "85", "A", "", ""], "工号不能为空"),
]


@pytest.mark.parametrize("row, reason", BAD_ROWS, ids=[reason for _, reason in BAD_ROWS])
def test_each_bad_row_is_reported_with_its_line_and_reason_and_nothing_is_written(
    db, org, frozen_now, import_grades, row, reason
):
    good = ["S002", "2026-Q3", "75", "B", "", ""]
    plan = import_grades(csv_bytes([good, row, good[:1] + ["2026-Q2"] + good[2:]]))
    assert [error.line for error in plan.errors] == [3]
    assert reason in str(plan.errors[0]) and str(plan.errors[0]).startswith("第 3 行：")
    _nothing_written()


def test_a_duplicate_row_names_the_first_and_several_bad_rows_are_all_listed(db, org, frozen_now, import_grades):
    rows = [
        ["S001", "2026-Q3", "85", "A", "", ""],
        ["S002", "2026-Q3", "95", "B", "", ""],
        ["s001", "2026-q3", "86", "A", "", ""],
        ["X1", "2030", "", "", "", ""],
    ]
    plan = import_grades(csv_bytes(rows))
    messages = [str(error) for error in plan.errors]
    assert [error.line for error in plan.errors] == [3, 4, 5]
    assert "与第 2 行重复（同一工号、同一期间）" in messages[1]
    assert "绩效总分与等级至少填写一项" in messages[2] and "期间 2030 尚未开始" not in messages[2]
    _nothing_written()


@pytest.mark.parametrize(
    "score, grade",
    [
        ("120", "S"),
        ("90", "S"),
        ("89.9", "A"),
        ("80", "A"),
        ("79.9", "B"),
        ("70", "B"),
        ("60", "C"),
        ("59.9", "D"),
        ("0", "D"),
    ],
)
def test_the_bands_of_7_2_2_at_their_edges(score, grade):
    assert grade_file.grade_for(Decimal(score)) == grade
    row = grade_file.parse_row(
        2, ["S001", "2026-Q3", score, grade], {"employee_no": 0, "period": 1, "score": 2, "grade": 3}
    )
    assert row.grade == grade


def test_a_header_without_score_or_grade_or_with_an_unknown_column_is_refused(db, org, frozen_now, import_grades):
    with pytest.raises(grades.GradeFileError, match="至少需要「绩效总分」或「等级」"):
        import_grades(csv_bytes([["S001", "2026-Q3"]], header=["工号", "期间"]))
    with pytest.raises(grades.GradeFileError, match="无法识别的列名「奖金」"):
        import_grades(csv_bytes([["S001", "2026-Q3", "A", "1"]], header=["工号", "期间", "等级", "奖金"]))
    with pytest.raises(grades.GradeFileError, match="没有数据行"):
        import_grades(csv_bytes([]))
    _nothing_written()


def test_reimporting_other_values_is_a_correction_that_supersedes_and_needs_a_reason(
    db, org, frozen_now, import_grades
):
    first = csv_bytes([["S001", "2026-Q3", "85", "A", "", ""], ["S002", "2026-Q3", "75", "B", "", ""]])
    import_grades(first, actor=org["hr"])
    corrected = csv_bytes([["S001", "2026-Q3", "91", "S", "", ""], ["S002", "2026-Q3", "75", "B", "", ""]])
    with pytest.raises(grades.GradeImportError, match="更正了 1 条已有等级"):
        import_grades(corrected, actor=org["hr"])
    assert _count(RecordEntry) == 2 and _count(GradeImport) == 1
    plan = import_grades(corrected, "更正.csv", actor=org["hr"], reason="销售总监复核 KPI 数据后更正")
    assert plan.summary == "新增 0 条，更正 1 条，不变 1 条"
    facts = _facts()
    assert len(facts) == 3  # the unchanged row adds nothing
    grade = _db.session.scalars(select(PerformanceGrade).where(PerformanceGrade.user_id == org["rep1"].id)).one()
    assert facts[2].supersedes_seq == facts[0].seq and facts[2].source == facts[0].source
    payload = json.loads(facts[2].payload)
    assert (payload["grade"], payload["score"], payload["reason"]) == ("S", "91.0", "销售总监复核 KPI 数据后更正")
    assert payload["import_id"] == grade.import_id == plan.grade_import.id
    assert (grade.grade, grade.reason, grade.changed_by_id) == ("S", "销售总监复核 KPI 数据后更正", org["hr"].id)


def test_each_period_distribution_is_a_warning_not_a_block(db, org, frozen_now, import_grades, make_user):
    rows = [
        ["S001", "2026-Q3", "95", "S", "", ""],
        ["S002", "2026-Q3", "92", "S", "", ""],
        ["S003", "2026-Q3", "75", "B", "", ""],
    ]
    plan = import_grades(csv_bytes(rows))
    assert plan.errors == [] and _count(PerformanceGrade) == 3
    (distribution,) = plan.distributions
    shares = {share.grade: share for share in distribution.shares}
    assert (distribution.total, shares["S"].count, shares["S"].share, shares["S"].over) == (3, 2, Decimal("66.7"), True)
    assert shares["B"].over is False
    assert plan.warnings == ["2026-Q3：S 级占 66.7%（2/3 人），超过目标 ≤10%"]
    # A later file for the same period is judged with the grades already on record.
    _db.session.rollback()  # end the read: make_user writes through its own session
    make_user(employee_no="S004")
    later = grades.plan_import(csv_bytes([["S004", "2026-Q3", "75", "B", "", ""]]), "more.csv")
    assert later.distributions[0].total == 4 and later.distributions[0].shares[0].share == Decimal("50.0")


def test_grade_c_opens_a_pip_and_a_correction_away_from_c_cancels_it(db, org, frozen_now, import_grades):
    import_grades(csv_bytes([["S001", "2026-Q3", "65", "C", "", ""]]))
    plan = _db.session.scalars(select(ImprovementPlan)).one()
    assert (str(plan.opened_on), str(plan.reevaluate_on), plan.cancelled_at) == ("2026-10-14", "2026-11-13", None)
    import_grades(csv_bytes([["S001", "2026-Q3", "71", "B", "", ""]]), reason="复核更正")
    _db.session.refresh(plan)
    assert plan.cancelled_at is not None


def test_the_period_that_has_begun_counts_in_company_local_time(db, org, frozen_now, import_grades):
    from datetime import datetime

    frozen_now(datetime(2026, 9, 30, 16, 30))  # still 09-30 in UTC, already 10-01 00:30 in Beijing
    plan = import_grades(csv_bytes([["S001", "2026-Q4", "85", "A", "", ""], ["S002", "2026-10", "85", "A", "", ""]]))
    assert plan.errors == []


def test_a_grade_written_meanwhile_by_someone_else_is_reported_and_nothing_stays(
    db, org, frozen_now, import_grades, monkeypatch
):
    data = csv_bytes([["S001", "2026-Q3", "85", "A", "", ""], ["S002", "2026-Q3", "75", "B", "", ""]])
    stale = grades.plan_import(data, "mine.csv")  # what this officer previewed
    import_grades(csv_bytes([["S002", "2026-Q3", "70", "B", "", ""]]), "theirs.csv")  # another officer, meanwhile
    monkeypatch.setattr(grades, "plan_import", lambda *_: stale)  # the other write lands after the check
    with pytest.raises(grades.GradeImportError, match="已被他人修改"):
        grades.apply_import(data, "mine.csv", actor=None)
    _db.session.rollback()
    assert (_count(PerformanceGrade), _count(GradeImport), _count(RecordEntry)) == (1, 1, 1)
