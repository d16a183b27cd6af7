"""The team skill matrix: highest current levels, who sees whom, filters, counts, coverage, CSV, 403."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from lms.models import SkillCell, SkillLevelAward, User
from lms.tracks import team
from lms.tracks.team import MatrixFilter
from tracks.skill_seed import Grant, grant_levels, levels_up_to, revoke


@pytest.fixture
def org(make_user):
    """Two managers' teams, a mentor across both, HR, and a rep; every role signs in with the test password."""
    hr = make_user(roles=("hr",), name="韩人事")
    boss = make_user(roles=("manager",), name="马经理", team="华东一组")
    other_boss = make_user(roles=("manager",), name="牛经理", team="华南一组")
    mentor = make_user(roles=("mentor", "rep"), name="秦导师", team="华东一组", manager_id=boss.id)
    east = [
        make_user(name=name, team="华东一组", manager_id=boss.id, mentor_id=mentor.id if name == "甲" else None)
        for name in ("甲", "乙", "丙")
    ]
    south = make_user(name="丁", team="华南一组", manager_id=other_boss.id, mentor_id=mentor.id)
    gone = make_user(name="戊", team="华东一组", manager_id=boss.id, active=False)
    return {
        "hr": hr,
        "boss": boss,
        "other_boss": other_boss,
        "mentor": mentor,
        "east": east,
        "south": south,
        "gone": gone,
    }


@pytest.fixture
def levels(db, org):
    """甲: 沟通 up to 进阶; 乙: 沟通初级, revoked; 丙: 数据 up to 高级; 丁: 产品初级. Returns the award ids."""
    jia, yi, bing = org["east"]
    grants = [
        *levels_up_to(jia.id, "communication", "intermediate", date(2026, 5, 4)),
        Grant(yi.id, "communication/basic", date(2026, 5, 5)),
        *levels_up_to(bing.id, "data", "advanced", date(2026, 6, 6)),
        Grant(org["south"].id, "product/basic", date(2026, 7, 7)),
        Grant(org["gone"].id, "product/basic"),
    ]
    ids = grant_levels(db.session, grants, assessor_id=org["boss"].id)
    revoke(db.session, ids[2], org["hr"].id)
    db.session.commit()
    return ids


def _standing(rows) -> dict[str, dict[str, str | None]]:
    return {row.person.name: {cell.dimension: cell.level for cell in row.cells} for row in rows}


def _page(viewer, **filters):
    _, rows = team.TeamMatrix(viewer).page(MatrixFilter(**filters), page=1, per_page=50)
    return _standing(rows)


def test_cells_hold_the_highest_current_level_and_revoked_levels_do_not_count(db, org, levels):
    _, rows = team.TeamMatrix(org["hr"]).page(MatrixFilter(), page=1, per_page=50)
    standing = _standing(rows)
    assert standing["甲"]["communication"] == "intermediate"
    assert standing["乙"]["communication"] is None  # its only award is revoked
    assert standing["丙"]["data"] == "advanced"
    assert standing["丁"]["product"] == "basic"
    assert set(standing["甲"].values()) == {"intermediate", None}
    jia_cells = {cell.dimension: cell for cell in next(row for row in rows if row.person.name == "甲").cells}
    assert jia_cells["communication"].achieved_on == date(2026, 5, 4)
    assert jia_cells["communication"].label == "进阶" and jia_cells["data"].label == "未达成"


def test_hr_sees_every_active_rep_and_only_reps(db, org, levels):
    page, rows = team.TeamMatrix(org["hr"]).page(MatrixFilter(), page=1, per_page=50)
    assert [row.person.name for row in rows] == ["秦导师", "甲", "乙", "丙", "丁"]  # by team, then employee number
    assert page.total == 5


def test_a_manager_sees_only_their_people_and_a_mentor_only_mentees(db, org, levels):
    assert set(_page(org["boss"])) == {"秦导师", "甲", "乙", "丙"}
    assert set(_page(org["other_boss"])) == {"丁"}
    assert set(_page(org["mentor"])) == {"甲", "丁"}
    assert _page(org["east"][0]) == {}  # a rep answers for nobody


def test_team_filter_and_team_options_stay_within_the_viewers_people(db, org, levels):
    assert set(_page(org["hr"], team="华南一组")) == {"丁"}
    assert team.TeamMatrix(org["hr"]).teams == ["华东一组", "华南一组"]
    assert team.TeamMatrix(org["other_boss"]).teams == ["华南一组"]
    assert _page(org["other_boss"], team="华东一组") == {}


def test_level_filters_by_dimension_by_any_dimension_and_for_nothing_yet(db, org, levels):
    assert set(_page(org["hr"], dimension="communication", level="intermediate")) == {"甲"}
    assert set(_page(org["hr"], dimension="communication", level="basic")) == set()  # 乙's is revoked
    assert set(_page(org["hr"], dimension="data", level="advanced")) == {"丙"}
    assert set(_page(org["hr"], level="basic")) == {"丁"}
    assert set(_page(org["hr"], dimension="communication", level="none")) == {"秦导师", "乙", "丙", "丁"}
    assert set(_page(org["hr"], level="none")) == {"秦导师", "甲", "乙", "丙", "丁"}  # nobody holds all five


def test_someone_with_a_level_in_every_dimension_is_not_listed_under_nothing_yet(db, org):
    jia = org["east"][0]
    grant_levels(db.session, [Grant(jia.id, f"{d}/basic") for d in team.SKILL_DIMENSIONS], org["boss"].id)
    db.session.commit()
    assert "甲" not in _page(org["hr"], level="none")
    assert "甲" in _page(org["hr"], level="basic")


def test_unknown_filter_values_are_refused():
    with pytest.raises(team.UnknownFilter):
        MatrixFilter(dimension="charm")
    with pytest.raises(team.UnknownFilter):
        MatrixFilter(level="expert")


def test_counts_per_cell_cover_everyone_listed_not_only_the_page(db, org, levels):
    matrix = team.TeamMatrix(org["hr"])
    page, rows = matrix.page(MatrixFilter(), page=1, per_page=2)
    assert len(rows) == 2 and page.total == 5 and page.pages == 3
    counts = matrix.counts(MatrixFilter())
    assert counts.total == 5
    assert counts.by_dimension["communication"] == {"none": 4, "basic": 0, "intermediate": 1, "advanced": 0}
    assert counts.by_dimension["data"] == {"none": 4, "basic": 0, "intermediate": 0, "advanced": 1}
    assert counts.by_dimension["product"] == {"none": 4, "basic": 1, "intermediate": 0, "advanced": 0}
    south = matrix.counts(MatrixFilter(team="华南一组"))
    assert south.count("product", "basic") == 1 and south.count("communication", "none") == 1


def test_a_level_of_a_retired_cell_still_counts(db, org, levels):
    cell = db.session.scalars(db.select(SkillCell).where(SkillCell.key == "data/advanced")).one()
    cell.retired_at = cell.created_at
    db.session.commit()
    assert _page(org["hr"])["丙"]["data"] == "advanced"


def test_a_level_awarded_again_after_its_revocation_counts(db, org, levels):
    yi = org["east"][1]
    award = db.session.get(SkillLevelAward, levels[2])
    again = grant_levels(db.session, [Grant(yi.id, "communication/basic", date(2026, 8, 1))], org["boss"].id)
    db.session.commit()
    assert award.revocation is not None and db.session.get(SkillLevelAward, again[0]).sequence == 2
    _, rows = team.TeamMatrix(org["hr"]).page(MatrixFilter(), page=1, per_page=50)
    yi_cells = {cell.dimension: cell for cell in next(row for row in rows if row.person.name == "乙").cells}
    assert yi_cells["communication"].level == "basic" and yi_cells["communication"].achieved_on == date(2026, 8, 1)


def test_coverage_counts_each_level_or_above_per_team_with_shares(db, org, levels):
    coverage = {entry.label: entry for entry in team.coverage_by_team(org["hr"])}
    east, south = coverage["华东一组"], coverage["华南一组"]
    assert (east.headcount, south.headcount) == (4, 1)  # the mentor is a rep of 华东一组; 戊 is inactive
    assert east.reached["communication"] == {"basic": 1, "intermediate": 1, "advanced": 0}
    assert east.reached["data"] == {"basic": 1, "intermediate": 1, "advanced": 1}
    assert east.share("data", "advanced") == pytest.approx(25)
    assert south.reached["product"]["basic"] == 1 and south.share("product", "basic") == 100
    assert south.share("product", "intermediate") == 0


def test_coverage_of_one_team_and_of_a_managers_people_only(db, org, levels):
    assert [entry.label for entry in team.coverage_by_team(org["hr"], "华南一组")] == ["华南一组"]
    assert [entry.label for entry in team.coverage_by_team(org["other_boss"])] == ["华南一组"]


def test_coverage_of_people_without_a_team_comes_last(db, org, make_user):
    make_user(name="无组", team=None)
    labels = [entry.label for entry in team.coverage_by_team(org["hr"])]
    assert labels == ["华东一组", "华南一组", team.NO_TEAM_LABEL]


# --- the pages ----------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_a_rep_gets_403_on_the_matrix_and_its_export(client, auth, org):
    auth.login(org["east"][0])
    for path in ("/skills/team/", "/skills/team/matrix.csv", "/skills/team/coverage", "/skills/team/coverage.csv"):
        assert client.get(path).status_code == 403


def test_only_hr_sees_coverage(client, auth, org):
    auth.login(org["boss"])
    assert client.get("/skills/team/").status_code == 200
    assert client.get("/skills/team/coverage").status_code == 403


def test_the_page_shows_the_managers_people_with_colours_counts_and_links_to_evidence(client, auth, org, levels):
    auth.login(org["boss"])
    page = client.get("/skills/team/").get_data(as_text=True)
    assert "甲" in page and "丙" in page and "丁" not in page
    jia = org["east"][0]
    assert f'href="/skills/people/{jia.id}#cell-communication-intermediate"' in page
    assert f'href="/skills/people/{jia.id}#cell-data-basic"' in page  # nothing yet: the level to work on
    assert 'class="skill-level level-2" data-dimension="communication"' in page  # 甲's 进阶
    assert 'class="skill-level level-3" data-dimension="data"' in page  # 丙's 高级
    assert "2026-05-04" in page
    assert "共 4 人" in page
    assert "团队覆盖率" not in page  # HR's page only


def test_the_page_filters_and_a_bad_filter_value_gets_a_field_error(client, auth, org, levels):
    auth.login(org["hr"])
    page = client.get("/skills/team/?dimension=data&level=advanced").get_data(as_text=True)
    assert "丙" in page and "甲</th>" not in page and "共 1 人" in page
    bad = client.get("/skills/team/?level=expert&team=火星")
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert text.count('class="field-error"') == 2 and "共 5 人" in text  # both ignored, both named


def test_the_page_is_paginated(app, client, auth, org, levels):
    app.config["SKILL_MATRIX_PER_PAGE"] = 2
    auth.login(org["hr"])
    first = client.get("/skills/team/").get_data(as_text=True)
    third = client.get("/skills/team/?page=3").get_data(as_text=True)
    assert "第 1 / 3 页，共 5 条" in first and "下一页" in first
    assert "第 3 / 3 页" in third and third.count("<tr data-person=") == 1


def test_csv_export_has_every_filtered_person_with_level_and_date(client, auth, org, levels):
    auth.login(org["boss"])
    response = client.get("/skills/team/matrix.csv?team=华东一组")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _csv(response)
    assert rows[0] == team.MATRIX_CSV_HEADER
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"秦导师", "甲", "乙", "丙"}
    jia = by_name["甲"]
    assert jia[:5] == [org["east"][0].employee_no, "甲", "华东一组", "马经理", "秦导师"]
    assert jia[5:7] == ["进阶", "2026-05-04"] and jia[7:9] == ["未达成", ""]
    assert by_name["乙"][5:7] == ["未达成", ""]
    assert by_name["丙"][-2:] == ["高级", "2026-06-06"]
    filtered = _csv(client.get("/skills/team/matrix.csv?dimension=data&level=advanced"))
    assert [row[1] for row in filtered[1:]] == ["丙"]


def test_csv_export_neutralises_a_name_that_is_a_formula(db, client, auth, org, levels):
    person = db.session.get(User, org["east"][1].id)
    person.name = "=HYPERLINK(1)"
    db.session.commit()
    auth.login(org["boss"])
    rows = _csv(client.get("/skills/team/matrix.csv"))
    assert "'=HYPERLINK(1)" in [row[1] for row in rows]


def test_hr_coverage_page_and_csv(client, auth, org, levels):
    auth.login(org["hr"])
    page = client.get("/skills/team/coverage").get_data(as_text=True)
    assert 'data-team="华东一组"' in page and "25.0%" in page
    rows = _csv(client.get("/skills/team/coverage.csv"))
    assert rows[0] == team.COVERAGE_CSV_HEADER
    data_east = next(row for row in rows if row[:2] == ["华东一组", "数据驱动销售决策"])
    assert data_east[2:] == ["4", "1", "25.0", "1", "25.0", "1", "25.0"]
    assert len(rows) == 1 + 2 * 5


def test_the_menu_offers_the_matrix_to_managers_mentors_and_hr_only(client, auth, org):
    auth.login(org["mentor"])
    assert 'href="/skills/team/"' in client.get("/skills/team/").get_data(as_text=True)
    auth.logout()
    auth.login(org["east"][0])
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200 and 'href="/skills/team/"' not in home.get_data(as_text=True)
