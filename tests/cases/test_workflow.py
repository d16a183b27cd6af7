"""Authoring, the review workflow and versions (service level)."""

import pytest

from lms.cases import service
from lms.cases.service import CaseError
from lms.models.cases import CaseTransition
from tests.cases.conftest import case_data, load, user


def test_a_case_goes_from_draft_to_published_with_dated_steps(db, people):
    mentor, manager = user(people["mentor"]), user(people["manager"])
    case = service.create_case(case_data(), mentor)
    assert case.status == "draft" and case.latest.number == 1 and not case.is_public
    service.submit_case(case, mentor)
    service.approve_case(case, manager, "写得很好")
    db.session.commit()
    case = load(case.id)
    assert case.status == "published" and case.published_number == 1 and case.is_public
    assert case.published.published_at is not None and case.first_published_at is not None
    steps = [(t.action, t.from_status, t.to_status, t.actor_id) for t in case.transitions]
    assert steps == [
        ("create", None, "draft", mentor.id),
        ("submit", "draft", "submitted", mentor.id),
        ("approve", "submitted", "published", manager.id),
    ]
    assert case.transitions[-1].comment == "写得很好"


def test_send_back_needs_a_comment_and_returns_a_draft(db, people, make_case):
    case_id = make_case("submitted")
    case, manager = load(case_id), user(people["manager"])
    with pytest.raises(CaseError) as error:
        service.send_back_case(case, manager, "  ")
    assert error.value.field == "comment"
    service.send_back_case(case, manager, "请补充客户反馈数据")
    assert case.status == "draft"
    assert case.transitions[-1].comment == "请补充客户反馈数据"


def test_editing_a_published_case_creates_a_new_version_and_keeps_the_old_one_public(db, people, make_case):
    case_id = make_case("published")
    case, mentor, manager = load(case_id), user(people["mentor"]), user(people["manager"])
    service.update_case(case, case_data(title="修订后的标题", info="补充了新数据。"), mentor)
    db.session.commit()
    case = load(case_id)
    assert [v.number for v in case.versions] == [1, 2]
    assert case.status == "draft" and case.published_number == 1 and case.is_public
    assert case.published.title == "某制造业客户回款延迟复盘"
    assert case.status_label == "已发布（修订草稿）"
    service.submit_case(case, mentor)
    service.approve_case(case, manager)
    db.session.commit()
    case = load(case_id)
    assert case.published_number == 2 and case.published.title == "修订后的标题"
    assert case.versions[0].title == "某制造业客户回款延迟复盘"  # the old version is untouched
    diff = service.version_diff(case.versions[0], case.versions[1])
    labels = [d.label for d in diff]
    assert labels == ["标题", "信息收集"]
    assert [(r.kind, r.text) for r in diff[0].rows] == [
        ("delete", "某制造业客户回款延迟复盘"),
        ("insert", "修订后的标题"),
    ]


def test_editing_a_draft_changes_it_in_place(db, people, make_case):
    case_id = make_case("draft")
    service.update_case(load(case_id), case_data(title="新标题"), user(people["mentor"]))
    assert [v.title for v in load(case_id).versions] == ["新标题"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": "标" * 121}, "title"),
        ({"title": "   "}, "title"),
        ({"info": "字" * 5001}, "info"),
        ({"improvements": "字" * 5001}, "improvements"),
        ({"outcome": "maybe"}, "outcome"),
        ({"segment": "vip"}, "segment"),
        ({"dimensions": ["charisma"]}, "dimensions"),
        ({"clauses": ["5.4", "abc"]}, "clauses"),
        ({"clauses": [f"1.{i}" for i in range(11)]}, "clauses"),
        ({"tags": ["很长的标签" * 5]}, "tags"),
        ({"tags": [f"t{i}" for i in range(11)]}, "tags"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(db, people, overrides, field):
    with pytest.raises(CaseError) as error:
        service.create_case(case_data(**overrides), user(people["mentor"]))
    assert error.value.field == field
    db.session.rollback()
    assert db.session.query(CaseTransition).count() == 0


def test_exactly_the_limits_are_accepted(db, people):
    case = service.create_case(case_data(title="标" * 120, info="字" * 5000), user(people["mentor"]))
    assert len(case.latest.info) == 5000


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"info": ""}, "info"),
        ({"analysis": "  \n "}, "analysis"),
        ({"discussion": ""}, "discussion"),
        ({"methods": "", "improvements": ""}, "methods"),
        ({"outcome": None}, "outcome"),
        ({"segment": None}, "segment"),
        ({"dimensions": []}, "dimensions"),
    ],
)
def test_an_incomplete_case_can_be_saved_but_not_submitted(db, people, overrides, field):
    mentor = user(people["mentor"])
    case = service.create_case(case_data(**overrides), mentor)
    with pytest.raises(CaseError) as error:
        service.submit_case(case, mentor)
    assert error.value.field == field
    assert case.status == "draft"


def test_one_summary_half_is_enough(db, people):
    mentor = user(people["mentor"])
    case = service.create_case(case_data(improvements=""), mentor)
    service.submit_case(case, mentor)
    assert case.status == "submitted"


def test_only_managers_publish_and_never_their_own(db, people, make_case):
    case = load(make_case("submitted"))
    for person in ("mentor", "mentor2", "rep1"):
        with pytest.raises(CaseError):
            service.approve_case(case, user(people[person]))
    assert case.status == "submitted"
    own = load(make_case("submitted", author="manager"))
    with pytest.raises(CaseError, match="自己"):
        service.approve_case(own, user(people["manager"]))


def test_only_the_author_edits_or_submits(db, people, make_case):
    case = load(make_case("draft"))
    with pytest.raises(CaseError):
        service.update_case(case, case_data(title="偷改"), user(people["mentor2"]))
    with pytest.raises(CaseError):
        service.submit_case(case, user(people["mentor2"]))
    assert case.latest.title == "某制造业客户回款延迟复盘"


def test_reps_cannot_write_cases(db, people):
    with pytest.raises(CaseError):
        service.create_case(case_data(), user(people["rep1"]))


def test_a_submitted_or_archived_case_cannot_be_edited(db, people, make_case):
    for state in ("submitted", "archived"):
        with pytest.raises(CaseError):
            service.update_case(load(make_case(state)), case_data(title="改"), user(people["mentor"]))


def test_archiving_hides_the_case(db, people, make_case):
    case_id = make_case("published")
    assert service.search_ids("回款") == [case_id]
    service.archive_case(load(case_id), user(people["manager"]), "过时")
    db.session.commit()
    assert service.search_ids("回款") == []
    assert not load(case_id).is_public
    with pytest.raises(CaseError):
        service.archive_case(load(make_case("published")), user(people["rep1"]))


def test_who_reads_what(db, people, make_case):
    draft = load(make_case("draft"))
    published = load(make_case("published"))
    rep, mentor, mentor2, manager = (user(people[k]) for k in ("rep1", "mentor", "mentor2", "manager"))
    assert not service.can_read(draft, rep) and not service.can_read(draft, mentor2)
    assert service.can_read(draft, mentor) and service.can_read(draft, manager)
    assert service.can_read(published, rep)
    service.update_case(published, case_data(title="修订中"), mentor)
    assert service.version_for_reader(published, rep).number == 1
    assert service.version_for_reader(published, mentor).number == 2
    assert not service.can_read_version(published, published.latest, rep)


def test_clause_ids_are_checked_against_the_course_when_one_is_loaded(db, people, app, monkeypatch):
    monkeypatch.setattr(service, "known_clause_ids", lambda: frozenset({"5.4", "ch5"}))
    mentor = user(people["mentor"])
    service.create_case(case_data(clauses=["5.4", "ch5"]), mentor)
    with pytest.raises(CaseError, match="9.9"):
        service.create_case(case_data(clauses=["9.9"]), mentor)


def test_known_clause_ids_is_none_without_a_course(app, tmp_path):
    with app.app_context():
        app.config["CONTENT_DIR"] = str(tmp_path / "missing")
        assert service.known_clause_ids() is None


def test_clause_ids_come_from_the_real_course(db, people):
    known = service.known_clause_ids()
    if known is None:
        pytest.skip("no built course in content/")
    assert {"5.4", "2.1"} <= known
    with pytest.raises(CaseError, match="9.9"):
        service.create_case(case_data(clauses=["9.9"]), user(people["mentor"]))
