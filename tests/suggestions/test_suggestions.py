"""Suggestions: the clause must exist; only the author's manager decides (else 403); adoption is a fact."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.extensions import db as _db
from lms.models import RecordEntry, Suggestion, User
from lms.suggestions import service


def _user(person) -> User:
    return _db.session.get(User, person.id)


def _submit(org, clause="3.2") -> Suggestion:
    data = service.SuggestionData("拜访前统一准备客户画像", "每次拜访前用模板整理客户画像，减少重复提问。", clause)
    return service.submit(data, _user(org["rep"]), clock.now())


@pytest.mark.parametrize("clause", ["7.7", "9.9", ""])
def test_a_clause_that_is_no_lesson_or_a_retired_one_is_refused(db, org, frozen_now, clause):
    with pytest.raises(service.SuggestionError, match="指南中没有条款") as caught:
        _submit(org, clause)
    assert caught.value.field == "clause"


def test_the_authors_manager_adopts_and_the_fact_is_written(db, org, frozen_now):
    suggestion = _submit(org)
    service.decide(suggestion, _user(org["manager"]), True, "下月起全组推行", clock.now())
    _db.session.commit()
    fact = _db.session.scalars(select(RecordEntry)).one()
    assert (fact.kind, fact.subject_id, fact.source, fact.recorded_by_id) == (
        "suggestion_adopted",
        org["rep"].id,
        f"suggestion:{suggestion.id}",
        org["manager"].id,
    )
    assert json.loads(fact.payload) == {
        "suggestion_id": suggestion.id,
        "title": "拜访前统一准备客户画像",
        "clause": "3.2",
        "decided_by": org["manager"].id,
        "reason": "下月起全组推行",
    }
    with pytest.raises(service.SuggestionError, match="已经处理过"):
        service.decide(suggestion, _user(org["manager"]), False, "改主意", clock.now())


def test_a_declined_suggestion_writes_no_fact_and_needs_a_reason(db, org, frozen_now):
    suggestion = _submit(org)
    with pytest.raises(service.SuggestionError, match="请写明理由"):
        service.decide(suggestion, _user(org["manager"]), False, " ", clock.now())
    service.decide(suggestion, _user(org["manager"]), False, "与现有流程重复", clock.now())
    assert suggestion.status == "declined"
    assert _db.session.scalar(select(func.count()).select_from(RecordEntry)) == 0


def test_anyone_but_the_authors_manager_gets_403(app, client, auth, org, frozen_now):
    with app.app_context():
        suggestion_id = _submit(org).id
        _db.session.commit()
    url = f"/suggestions/{suggestion_id}/decide"
    for someone in ("other_manager", "hr", "rep", "other_rep"):
        auth.login(org[someone])
        assert client.post_form(url, {"decision": "adopt", "reason": "好建议"}).status_code == 403, someone
        auth.logout()
    auth.login(org["manager"])
    assert client.post(url, data={"decision": "adopt", "reason": "好建议"}).status_code == 400  # no CSRF token
    done = client.post_form(url, {"decision": "adopt", "reason": "好建议"}, follow_redirects=True)
    assert "已采纳" in done.get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(RecordEntry)) == 1


def test_pages_submit_list_and_hide_others_suggestions(app, client, auth, org, frozen_now):
    auth.login(org["rep"])
    bad = client.post_form("/suggestions/new", {"title": "标题", "clause": "8.8", "body": "足够长的建议内容写在这里"})
    assert "指南中没有条款「8.8」" in bad.get_data(as_text=True)
    done = client.post_form(
        "/suggestions/new",
        {"title": "统一客户画像", "clause": "3.2", "body": "足够长的建议内容写在这里"},
        follow_redirects=True,
    )
    assert "建议已提交" in done.get_data(as_text=True)
    assert "统一客户画像" in client.get("/suggestions/").get_data(as_text=True)
    with app.app_context():
        suggestion_id = _db.session.scalars(select(Suggestion.id)).one()
    auth.logout()
    auth.login(org["other_rep"])
    assert client.get(f"/suggestions/{suggestion_id}").status_code == 404
    assert client.get("/suggestions/team").status_code == 403
    auth.logout()
    auth.login(org["other_manager"])
    assert client.get(f"/suggestions/{suggestion_id}").status_code == 404
    assert "统一客户画像" not in client.get("/suggestions/team").get_data(as_text=True)
    auth.logout()
    auth.login(org["manager"])
    assert "统一客户画像" in client.get("/suggestions/team").get_data(as_text=True)
    assert "采纳" in client.get(f"/suggestions/{suggestion_id}").get_data(as_text=True)
