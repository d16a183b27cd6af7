"""The course page, lessons, completion, resume, script preference and search."""

from sqlalchemy import select

from lms.courses import render
from lms.models import LessonProgress

TABLE_LESSON = """# 3.1 客户投诉处理

投诉分为三级。

## 响应时限

| 投诉等级 | 响应时间 | 解决时间 |
| --- | --- | --- |
| 严重 | ≤30分钟 | 24小时内 |
| 一般 | ≤2小时 | 3个工作日 |

## 回访

低分触发回访，确保回款与满意度。

### 细则

回访由一线销售人员负责。
"""


def test_lesson_renders_tables_headings_and_toc(client, auth, make_user, make_lesson):
    make_lesson("3.1", TABLE_LESSON)
    auth.login(make_user())
    body = client.get("/course/3.1").get_data(as_text=True)
    assert "<table>" in body and "<th>投诉等级</th>" in body and "<td>≤30分钟</td>" in body
    assert '<h2 id="响应时限">响应时限</h2>' in body
    assert 'href="#回访"' in body  # table of contents
    assert 'id="complete-lesson"' in body


def test_unknown_clause_is_404(client, auth, make_user):
    auth.login(make_user())
    assert client.get("/course/9.9").status_code == 404
    assert client.post_form("/course/9.9/complete").status_code == 404


def test_previous_and_next(client, auth, make_user, make_lesson):
    make_lesson("1.1"), make_lesson("1.2"), make_lesson("1.3")
    auth.login(make_user())
    body = client.get("/course/1.2").get_data(as_text=True)
    assert 'rel="prev" href="/course/1.1"' in body and 'rel="next" href="/course/1.3"' in body


def test_neighbours_skip_retired_lessons(client, auth, make_user, make_lesson):
    make_lesson("1.1"), make_lesson("1.2", retired=True), make_lesson("1.3")
    auth.login(make_user())
    body = client.get("/course/1.3").get_data(as_text=True)
    assert 'rel="prev" href="/course/1.1"' in body and 'rel="next"' not in body
    retired = client.get("/course/1.2").get_data(as_text=True)  # still readable, between its active neighbours
    assert 'rel="prev" href="/course/1.1"' in retired and 'rel="next" href="/course/1.3"' in retired


def test_completed_lesson_shows_its_badge(client, auth, make_user, make_lesson):
    make_lesson("1.1"), make_lesson("1.2")
    auth.login(make_user())
    client.post_form("/course/1.1/complete")
    body = client.get("/course/1.1").get_data(as_text=True)
    assert "已完成</span>" in body and 'id="complete-lesson"' not in body
    assert 'id="complete-lesson"' in client.get("/course/1.2").get_data(as_text=True)


def test_complete_raises_progress_and_moves_on(client, auth, make_user, make_lesson):
    make_lesson("1.1"), make_lesson("1.2")
    auth.login(make_user())
    assert "已完成 0 / 2 节（0%）" in client.get("/course/").get_data(as_text=True)
    response = client.post_form("/course/1.1/complete")
    assert response.headers["Location"] == "/course/1.2"
    assert "已完成 1 / 2 节（50%）" in client.get("/course/").get_data(as_text=True)
    again = client.post_form("/course/1.1/complete", follow_redirects=True)
    assert "本节此前已完成。" in again.get_data(as_text=True)


def test_complete_needs_csrf(client, auth, make_user, make_lesson):
    make_lesson("1.1")
    auth.login(make_user())
    assert client.post("/course/1.1/complete").status_code == 400


def test_retired_lesson_cannot_be_marked(client, auth, make_user, make_lesson):
    make_lesson("1.1", retired=True)
    auth.login(make_user())
    page = client.get("/course/1.1").get_data(as_text=True)
    assert "本节已从课程中停用" in page and 'id="complete-lesson"' not in page
    response = client.post_form("/course/1.1/complete", follow_redirects=True)
    assert "本节已从课程中停用，无法标记完成。" in response.get_data(as_text=True)


def test_resume_where_the_reader_left_off(client, auth, make_user, make_lesson):
    make_lesson("1.1"), make_lesson("1.2", title="第二课")
    auth.login(make_user())
    client.get("/course/1.1")
    client.get("/course/1.2")
    assert "继续学习：第二课" in client.get("/course/").get_data(as_text=True)


def test_rereading_the_same_lesson_writes_nothing(db, app, client, auth, make_user, make_lesson):
    make_lesson("1.1")
    auth.login(make_user())
    client.get("/course/1.1")
    first = db.session.scalars(select(LessonProgress.last_read_at)).one()
    client.get("/course/1.1")
    db.session.expire_all()
    assert db.session.scalars(select(LessonProgress.last_read_at)).one() == first


def test_traditional_preference(client, auth, make_user, make_lesson):
    make_lesson("3.1", TABLE_LESSON, title="客户投诉处理")
    auth.login(make_user())
    assert client.post_form("/course/preference", {"script": "hant"}).status_code == 302
    body = client.get("/course/3.1").get_data(as_text=True)
    assert "投訴等級" in body and "客戶投訴處理" in body
    assert client.post_form("/course/preference", {"script": "klingon"}).status_code == 200


def test_render_cache_is_keyed_by_hash_and_script():
    first = render.render_lesson("hash-a", lambda: "# 标题\n\n正文", "hans")
    assert render.render_lesson("hash-a", lambda: "ignored: same hash", "hans") is first
    assert "標題" in render.render_lesson("hash-a", lambda: "# 标题\n\n正文", "hant").html


def test_search_finds_two_character_words_and_highlights(client, auth, make_user, make_lesson):
    make_lesson("3.1", TABLE_LESSON)
    make_lesson("1.1", "团队协作与沟通。")
    auth.login(make_user())
    body = client.get("/course/search?q=回款").get_data(as_text=True)
    assert "找到 1 节包含「回款」" in body
    assert "<mark>回款</mark>" in body and 'href="/course/3.1"' in body
    assert "找到 1 节包含「投诉」" in client.get("/course/search?q=投诉").get_data(as_text=True)


def test_search_escapes_what_people_type(client, auth, make_user, make_lesson):
    make_lesson("1.1", "正文 <b>不是标签</b>")
    auth.login(make_user())
    body = client.get("/course/search?q=<script>").get_data(as_text=True)
    assert "<script>" not in body.split("</header>")[1]
    assert "搜索词不能超过 50 个字符。" in client.get("/course/search?q=" + "长" * 51).get_data(as_text=True)
