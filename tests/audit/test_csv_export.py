"""The one CSV helper, and every export that goes through it (issue 12, 3)."""

import csv
import io
from decimal import Decimal

import pytest

from lms.csv_export import csv_text, safe_cell

HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+1+2", "-3+cmd", "@SUM(A1)", "\tTAB", "\rCR"]


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "Excel needs the BOM to read Chinese"
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_starts_are_neutralised(value):
    assert safe_cell(value) == "'" + value


def test_plain_text_and_numbers_are_untouched():
    assert safe_cell("张三") == "张三" and safe_cell("a=b") == "a=b"
    assert safe_cell(-3) == -3 and safe_cell(Decimal("-1.5")) == Decimal("-1.5")
    assert safe_cell(None) == "" and safe_cell(True) == "是"


def test_csv_text_round_trips_chinese_with_bom():
    rows = _rows(csv_text(["工号", "姓名"], [["E1", "=1+1"], ["E2", "李四"]]))
    assert rows == [["工号", "姓名"], ["E1", "'=1+1"], ["E2", "李四"]]


def test_people_export_neutralises_formulas(client, auth, make_user):
    auth.login(make_user(roles=("hr",)))
    make_user(name='=HYPERLINK("http://evil.example")', team="+团队")
    response = client.get("/people/export.csv")
    rows = _rows(response.get_data(as_text=True))
    assert response.mimetype == "text/csv"
    evil = next(row for row in rows if row[0] == "E0002")
    assert evil[1] == '\'=HYPERLINK("http://evil.example")' and evil[4] == "'+团队"


def test_onboarding_team_csv_neutralises_formulas(client, auth, make_user):
    from lms import clock

    manager = make_user(roles=("manager",))
    make_user(name="@cmd|' /C calc'!A0", manager_id=manager.id, hire_date=clock.today())
    auth.login(manager)
    response = client.get("/onboarding/team.csv?scope=all")
    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    assert rows[0][0] == "工号"
    assert any(row[1] == "'@cmd|' /C calc'!A0" for row in rows[1:]), rows
