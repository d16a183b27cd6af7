"""The record pages: who may see whose record, the view log, the report, its exports and the confirmation."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from lms.extensions import db as _db
from lms.incentives import eligibility
from lms.models import EligibilityConfirmation, FactKind, RecordEntry, RecordView, User

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def team(make_user, add_grade):
    """A manager with two reps (A, S, A and A, S, B over 2026-Q1..Q3), an outsider rep, and HR."""
    manager = make_user(roles=("manager",), name="王经理")
    hr = make_user(roles=("hr",), name="人事甲")
    streak = make_user(name="连续优秀", manager_id=manager.id, team="华东一组")
    short = make_user(name="差一季", manager_id=manager.id, team="华东一组")
    outsider = make_user(name="别组的", team="华南")
    for person, grades in ((streak, "ASA"), (short, "ASB")):
        for quarter, grade in zip(("2026-Q1", "2026-Q2", "2026-Q3"), grades, strict=True):
            add_grade(person.id, quarter, grade)
    return {"manager": manager, "hr": hr, "streak": streak, "short": short, "outsider": outsider}


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_my_record_shows_my_eligibility_evidence_and_timeline(client, auth, team):
    auth.login(team["streak"])
    page = client.get("/record/")
    assert page.status_code == 200
    body = _text(page)
    assert "2026-Q3 激励资格" in body
    assert "2026-Q1 A、Q2 S、Q3 A：连续 ≥A 3 个季度" in body
    assert "2026-Q3 绩效，等级 A（优秀）" in body  # the timeline's line for a grade
    assert "晋升销售主管/区域经理资格" in body


def test_what_i_still_need_is_spelled_out(client, auth, team):
    auth.login(team["short"])
    body = _text(client.get("/record/?period=2026-Q3"))
    assert "还需要什么" in body
    assert "2026-Q1 A、Q2 S、Q3 B：连续 ≥A 最长 2 个季度，还差 1 个" in body


def test_a_rep_opening_another_person_s_record_gets_403(client, auth, team):
    auth.login(team["short"])
    assert client.get(f"/record/people/{team['streak'].id}").status_code == 403
    with client.application.app_context():
        seq = _db.session.scalar(select(RecordEntry.seq).where(RecordEntry.subject_id == team["streak"].id))
    assert client.get(f"/record/facts/{seq}").status_code == 403
    assert client.get("/record/report").status_code == 403
    assert client.get("/record/report.csv").status_code == 403
    assert client.get("/record/team").status_code == 403
    assert client.get("/record/people/999999").status_code == 404


def test_a_manager_sees_their_people_only_and_each_look_is_logged(client, auth, team):
    auth.login(team["manager"])
    assert client.get(f"/record/people/{team['outsider'].id}").status_code == 403
    page = client.get(f"/record/people/{team['streak'].id}")
    assert page.status_code == 200 and "连续优秀 的发展激励档案" in _text(page)
    auth.logout()
    auth.login(team["streak"])
    viewers = _text(client.get("/record/views"))
    assert "王经理" in viewers and "档案页" in viewers
    with client.application.app_context():
        rows = _db.session.scalars(select(RecordView)).all()
        assert [(row.subject_id, row.viewer_id, row.what) for row in rows] == [
            (team["streak"].id, team["manager"].id, "record")
        ]


def test_my_own_record_is_not_logged_and_hr_sees_anyone(client, auth, team):
    auth.login(team["hr"])
    assert client.get(f"/record/people/{team['outsider'].id}").status_code == 200
    own = client.get(f"/record/people/{team['hr'].id}")
    assert own.status_code == 302 and own.headers["Location"].endswith("/record/")
    with client.application.app_context():
        assert [row.subject_id for row in _db.session.scalars(select(RecordView))] == [team["outsider"].id]


def test_the_timeline_filters_by_kind_and_period(client, auth, team, add_fact):
    add_fact(
        FactKind.SUGGESTION_ADOPTED,
        team["streak"].id,
        {
            "suggestion_id": 1,
            "title": "拜访记录模板",
            "clause": "3.1",
            "decided_by": team["manager"].id,
            "reason": "好",
        },
    )
    auth.login(team["streak"])
    only = _text(client.get("/record/?kind=suggestion_adopted"))
    assert "建议「拜访记录模板」被采纳" in only and "绩效，等级" not in only.split("档案时间线")[1]
    bad = _text(client.get("/record/?within=2026-Q9&period=soon"))
    assert "期间「2026-Q9」无效" in bad and "期间「soon」无效" in bad


def test_the_team_view_lists_who_qualifies_and_who_is_one_step_away(client, auth, team):
    auth.login(team["manager"])
    body = _text(client.get("/record/team?period=2026-Q3"))
    assert "连续优秀" in body and "差一季" in body and "别组的" not in body
    assert body.index("连续优秀") < body.index("差一季")
    assert "差一步" in body and "还差 1 个" in body


def test_the_period_report_filters_and_exports_csv_and_xlsx(client, auth, team):
    auth.login(team["hr"])
    body = _text(client.get("/record/report?period=2026-Q3&rule=three_quarters_a"))
    assert "连续优秀" in body and "差一季" not in body and "共 1 人" in body
    near = _text(client.get("/record/report?period=2026-Q3&rule=near"))
    assert "差一季" in near and "连续优秀" not in near
    csv = client.get("/record/report.csv?period=2026-Q3")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    assert "连续 3 个季度绩效等级 ≥A" in text.splitlines()[0]
    assert "符合：2026-Q1 A、Q2 S、Q3 A：连续 ≥A 3 个季度" in text
    assert "不符合：2026-Q1 A、Q2 S、Q3 B：连续 ≥A 最长 2 个季度，还差 1 个" in text
    xlsx = client.get("/record/report.xlsx?period=2026-Q3&team=华东一组")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("工号", "姓名", "团队", "期间")
    assert sorted(row[1] for row in rows[1:]) == ["差一季", "连续优秀"]
    with client.application.app_context():  # exports are looks at everyone in them
        assert (
            _db.session.scalar(select(func.count()).select_from(RecordView).where(RecordView.what == "export")) == 4 + 2
        )


def test_a_name_typed_as_a_formula_is_text_in_the_xlsx(client, auth, team, make_user):
    make_user(name="=HYPERLINK(1)")
    auth.login(team["hr"])
    sheet = load_workbook(io.BytesIO(client.get("/record/report.xlsx?period=2026-Q3").data)).active
    names = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert "'=HYPERLINK(1)" in names


def test_hr_confirms_the_period_and_the_decision_page_explains_it(client, auth, team):
    auth.login(team["hr"])
    token = client.csrf_token()
    refused = client.post("/record/report/confirm", data={"period": "2026-Q3"})
    assert refused.status_code in (302, 400)
    with client.application.app_context():
        assert _db.session.scalar(select(func.count()).select_from(EligibilityConfirmation)) == 0
    done = client.post("/record/report/confirm", data={"period": "2026-Q3", "as_of": "2026-12-01", "csrf_token": token})
    assert done.status_code == 302
    page = client.get(done.headers["Location"])
    body = _text(page)
    assert "2026-Q3 激励资格确认" in body and "连续优秀" in body and "差一季" not in body
    assert "名单人数</dt><dd>1" in body
    report = _text(client.get("/record/report?period=2026-Q3"))
    assert "确认 1 人" in report
    not_ended = client.post(
        "/record/report/confirm", data={"period": "2026-Q4", "csrf_token": token}, follow_redirects=True
    )
    assert "尚未结束" in _text(not_ended)


def test_the_report_costs_the_same_queries_for_many_people_as_for_few(app, client, auth, make_user, add_grade):
    hr = make_user(roles=("hr",))

    def queries_for(path: str) -> int:
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        eligibility._CACHE.clear()  # count the queries of working everyone out, not of a warm cache
        with app.app_context():
            event.listen(_db.engine, "before_cursor_execute", count)
            try:
                assert client.get(path).status_code == 200
            finally:
                event.remove(_db.engine, "before_cursor_execute", count)
        return len(statements)

    def add_people(n: int) -> None:
        with app.app_context():
            start = _db.session.scalar(select(func.count()).select_from(User))
            people = [
                User(
                    employee_no=f"P{start + i:05d}",
                    name=f"人{start + i}",
                    email=f"p{start + i}@x.test",
                    team=f"组{i % 7}",
                )
                for i in range(n)
            ]
            for person in people:
                person.set_roles({"rep"})
            _db.session.add_all(people)
            _db.session.commit()
            ids = [person.id for person in people]
        for person_id in ids[:20]:  # some with grades, so facts are read and evaluated
            add_grade(person_id, "2026-Q3", "A", kpi_rate="121")

    auth.login(hr)
    add_people(20)
    paths = (
        "/record/report?period=2026-Q3",
        "/record/report?period=2026-Q3&rule=any",
        "/record/report.csv?period=2026-Q3",
    )
    few = [queries_for(path) for path in paths]
    add_people(180)
    many = [queries_for(path) for path in paths]
    assert many == few


def test_a_new_fact_is_seen_at_once_by_a_page_that_was_worked_out_before(client, auth, team, add_grade):
    auth.login(team["hr"])
    before = _text(client.get("/record/report?period=2026-Q3&rule=three_quarters_a"))
    assert "共 1 人" in before
    with client.application.app_context():
        q3 = _db.session.scalar(
            select(RecordEntry).where(
                RecordEntry.subject_id == team["short"].id, RecordEntry.payload.contains("2026-Q3")
            )
        )
        q3_seq, q3_source = q3.seq, q3.source
    add_grade(team["short"].id, "2026-Q3", "A", source=q3_source, supersedes=q3_seq, reason="申诉成立")
    after = _text(client.get("/record/report?period=2026-Q3&rule=three_quarters_a"))
    assert "共 2 人" in after and "差一季" in after


def test_a_broken_rules_file_is_a_chinese_503_with_its_line(app, client, auth, team, tmp_path):
    (tmp_path / "incentives.yaml").write_text("title: 奖励措施\ntypes: [\n", encoding="utf-8")
    app.config["CONTENT_DIR"] = str(tmp_path)
    auth.login(team["streak"])
    page = client.get("/record/")
    assert page.status_code == 503
    assert "激励规则文件无法加载" in _text(page) and "incentives.yaml:" in _text(page)
    (tmp_path / "incentives.yaml").unlink()
    assert "找不到激励规则文件" in _text(client.get("/record/"))
