"""Search for a 繁體 reader: the query is converted, snippets and titles come in the reader's script."""

from pathlib import Path

import pytest

from lms.courses import service
from lms.courses.loader import load_course
from lms.courses.sync import sync_course


@pytest.fixture
def hant_reader(client, auth, make_user, make_lesson):
    make_lesson("7.1", title="客户投诉处理", body="收到客户投诉后，24 小时内回复。投诉记录要完整。", chapter_no=7)
    make_lesson("7.2", title="回款", body="回款周期按合同约定。")
    reader = make_user(preferred_script="hant")
    auth.login(reader)
    return reader


def test_a_traditional_query_finds_what_the_simplified_one_finds(client, hant_reader):
    traditional = client.get("/course/search?q=投訴").get_data(as_text=True)
    simplified = client.get("/course/search?q=投诉").get_data(as_text=True)
    assert "找到 1 节包含「投訴」" in traditional and "找到 1 节包含「投诉」" in simplified
    assert "（2 处）" in traditional


def test_snippets_and_titles_come_in_the_readers_script(client, hant_reader):
    body = client.get("/course/search?q=投訴").get_data(as_text=True)
    assert "收到客戶<mark>投訴</mark>後，24 小時內回覆。<mark>投訴</mark>記錄要完整。" in body
    assert "7.1 客戶投訴處理" in body and "收到客户" not in body
    assert '<small class="course-title">銷售團隊日常行爲規範與職業素養提升管理指南</small>' in body


def test_a_simplified_reader_keeps_simplified(client, auth, make_user, make_lesson):
    make_lesson("7.1", title="客户投诉处理", body="收到客户投诉后回复。")
    auth.login(make_user())
    body = client.get("/course/search?q=投訴").get_data(as_text=True)
    assert "收到客户<mark>投诉</mark>后回复。" in body and "7.1 客户投诉处理" in body


def test_the_course_page_titles_follow_the_script(client, hant_reader):
    body = client.get("/course/").get_data(as_text=True)
    assert "<h1>銷售團隊日常行爲規範與職業素養提升管理指南</h1>" in body


def test_service_searches_both_the_converted_and_the_typed_query(db, make_lesson):
    make_lesson("9.1", body="後台 与 后台")
    hits = service.search_lessons("後台", "hans")
    assert [hit.lesson.clause_id for hit in hits] == ["9.1"]
    assert service.search_lessons("  ", "hant") == []


def test_the_footer_names_the_guide_in_the_readers_script(client, hant_reader):
    body = client.get("/course/search?q=投訴").get_data(as_text=True)
    assert "依據《銷售團隊日常行爲規範與職業素養提升管理指南》" in body


def test_the_shipped_course_finds_as_many_lessons_for_either_script(app, db):
    sync_course(load_course(Path(app.config["CONTENT_DIR"])))
    db.session.flush()
    simplified = [hit.lesson.clause_id for hit in service.search_lessons("投诉", "hans")]
    traditional = service.search_lessons("投訴", "hant")
    assert len(simplified) >= 10 and [hit.lesson.clause_id for hit in traditional] == simplified
    assert all("<mark>投訴</mark>" in hit.snippet for hit in traditional)
