"""Search: Chinese bigrams, exact substrings, filters and highlighting.

The same expectations run on SQLite and (with LMS_TEST_DATABASE_URL) on
PostgreSQL, which is what "the same results on both" means.
"""

import pytest

from lms.cases import search, service
from lms.cases.service import CaseError, CaseFilters
from tests.cases.conftest import load, user

NEUTRAL = dict(
    info="背景。",
    analysis="分析要点。",
    discussion="讨论原因。",
    methods="可用方法。",
    improvements="改进方向。",
    tags=[],
    clauses=["5.4"],
    dimensions=["process"],
)


@pytest.fixture
def corpus(make_case):
    """Five published cases (oldest first), one draft and one archived case."""

    def make(state="published", **data):
        return make_case(state, **{**NEUTRAL, **data})

    ids = {
        "refund": make(title="回款延迟复盘", info="客户回款比计划晚两个月。", tags=["回款"]),
        "complaint": make(
            title="客户投诉处理",
            outcome="success",
            segment="high_potential",
            info="客户投诉后 24小时内 解决，CSAT 回升。",
            clauses=["2.1", "5.4"],
        ),
        "apart": make(
            title="拜访记录",
            info="客户很满意。投入大量诉求分析。",
            dimensions=["data"],
            author="mentor2",
            methods="使用 CRM系统 记录每次拜访。",
        ),
        "crm": make(
            title="CRM 数据驱动的续约",
            info="用CRM2 分析续约率，100% 完成。",
            dimensions=["data"],
            clauses=["5.2"],
            tags=["数据"],
        ),
        "percent": make(title="折扣 50% 的教训", outcome="success", info="不要随意给出 50% 折扣；回款也受影响。"),
    }
    ids["draft"] = make("draft", title="草稿 回款")
    ids["archived"] = make("archived", title="归档 回款")
    return ids


def _search(q="", **filters):
    return [item.id for item in service.search_cases(CaseFilters(q=q, **filters)).items]


def test_tokens_are_cjk_bigrams_and_latin_words():
    assert search.tokens_of("客户投诉 CRM2系统!") == ["客户", "户投", "投诉", "crm2", "系统"]
    assert search.tokens_of("一 a") == ["a"]


def test_two_character_words_are_found(db, corpus):
    assert _search("回款") == [corpus["percent"], corpus["refund"]]
    assert _search("投诉") == [corpus["complaint"]]


def test_longer_terms_must_occur_as_written(db, corpus):
    # "apart" holds 客户, 户投? no — but 投诉 only as "投入…诉求": its bigrams do not line up.
    assert _search("客户投诉") == [corpus["complaint"]]
    assert _search("回款比计划") == [corpus["refund"]]
    assert _search("两个月晚") == []


def test_several_terms_all_must_match(db, corpus):
    assert _search("客户 回款") == [corpus["refund"]]
    assert _search("回款 折扣") == [corpus["percent"]]


def test_latin_words_numbers_and_mixed_terms(db, corpus):
    assert _search("crm") == [corpus["crm"], corpus["apart"]]
    assert _search("CRM系统") == [corpus["apart"]]
    assert _search("csat") == [corpus["complaint"]]
    assert _search("24小时") == [corpus["complaint"]]
    assert _search("50%") == [corpus["percent"]]
    assert _search("100%") == [corpus["crm"]]


def test_like_wildcards_in_queries_are_literal(db, corpus):
    assert _search("crm_") == []
    assert _search("5%0") == []


def test_a_single_chinese_character_asks_for_two(db, corpus):
    with pytest.raises(CaseError, match="至少需要 2 个汉字") as error:
        _search("款")
    assert error.value.field == "q"


def test_drafts_and_archived_cases_are_never_found(db, corpus):
    found = _search("回款") + _search()
    assert corpus["draft"] not in found and corpus["archived"] not in found


def test_filters(db, corpus, people):
    assert _search(outcome="success") == [corpus["percent"], corpus["complaint"]]
    assert _search(segment="high_potential") == [corpus["complaint"]]
    assert _search(dimension="data") == [corpus["crm"], corpus["apart"]]
    assert _search(clause="2.1") == [corpus["complaint"]]
    assert _search(author_id=people["mentor2"].id) == [corpus["apart"]]
    month = load(corpus["refund"]).first_published_at.strftime("%Y-%m")
    assert len(_search(month=month)) == 5
    assert _search(month="1999-01") == []
    assert _search("回款", outcome="success") == [corpus["percent"]]


def test_a_republished_case_moves_to_the_top_and_is_found_by_its_new_text(db, corpus, people):
    case = load(corpus["refund"])
    service.update_case(
        case,
        service.CaseData(**{**service._data_of(case.latest).__dict__, "title": "应收账款复盘"}),
        user(people["mentor"]),
    )
    service.submit_case(case, user(people["mentor"]))
    service.approve_case(case, user(people["manager"]))
    db.session.commit()
    assert _search("应收") == [corpus["refund"]]
    assert _search()[0] == corpus["refund"]
    assert _search("回款延迟") == []


def test_pages_know_whether_there_is_a_next_one(db, corpus):
    first = service.search_cases(CaseFilters(), page=1, per_page=2)
    third = service.search_cases(CaseFilters(), page=3, per_page=2)
    assert first.has_next and len(first.items) == 2
    assert not third.has_next and len(third.items) == 1


def test_published_cases_for_clause(db, corpus):
    assert [c.id for c in service.published_cases_for_clause("5.4")] == [
        corpus["percent"],
        corpus["apart"],
        corpus["complaint"],
        corpus["refund"],
    ]
    assert [c.id for c in service.published_cases_for_clause("5.2")] == [corpus["crm"]]
    assert [c.id for c in service.published_cases_for_clause("2.1")] == [corpus["complaint"]]
    assert service.published_cases_for_clause("9.9") == []


def test_rebuilding_the_index_gives_the_same_results(db, corpus):
    before = {q: _search(q) for q in ("回款", "客户投诉", "crm", "50%")}
    assert search.rebuild_index(db.session) == 5
    db.session.commit()
    assert {q: _search(q) for q in before} == before


def test_highlight_escapes_before_marking():
    html = search.highlight("<b>回款</b> & 回款", ["回款"])
    assert str(html) == "&lt;b&gt;<mark>回款</mark>&lt;/b&gt; &amp; <mark>回款</mark>"
    assert str(search.highlight("CRM crm", ["crm"])) == "<mark>CRM</mark> <mark>crm</mark>"
    assert str(search.highlight("<script>", ["script"])) == "&lt;<mark>script</mark>&gt;"
