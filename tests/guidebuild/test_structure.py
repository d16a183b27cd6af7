"""Chapters, lessons, clause ids, numbering and the course index."""

from __future__ import annotations

import re

import markdown

from .conftest import CONTENT


def _files(folder):
    """The files the build manages (other files in content/ belong to others and are kept)."""
    return {
        path.relative_to(folder): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and _managed(path.relative_to(folder).parts[0])
    }


def _managed(top: str) -> bool:
    return top in ("index.md", "source") or top.startswith("chapter-")


def test_build_is_deterministic(built, tmp_path):
    from lms.guidebuild.build import build_course

    from .conftest import GUIDE, SOURCE_DIR

    again = tmp_path / "content"
    build_course(GUIDE, again, SOURCE_DIR)
    assert _files(again) == _files(built)


def test_committed_content_is_a_fresh_build(built):
    assert _files(CONTENT) == _files(built), "content/ is stale: run `lms content build content/source/guide.txt`"


def test_one_lesson_per_preamble_and_section(course):
    ids = [lesson.clause_id for lesson in course.lessons]
    sections = [
        f"{chapter}.{n}"
        for chapter, count in [(1, 3), (2, 4), (3, 4), (4, 4), (5, 4), (6, 4), (7, 4)]
        for n in range(1, count + 1)
    ]
    expected = []
    for chapter in range(1, 8):
        expected += [str(chapter)] + [s for s in sections if s.startswith(f"{chapter}.")]
    assert ids == expected + ["7.1b"]
    assert len(set(ids)) == len(ids)
    assert [lesson.order for lesson in course.lessons] == list(range(1, len(ids) + 1))
    assert [chapter.title for chapter in course.chapters] == [
        "总则",
        "职业操守与道德准则",
        "日常工作行为规范",
        "客户关系维护准则",
        "专业能力提升路径",
        "协作与沟通规范",
        "绩效与奖惩管理",
    ]


def test_sub_sections_are_headings_inside_their_section(course):
    assert course.lesson("7.1").subclauses == ("7.1.1", "7.1.2")
    assert course.lesson("7.2.2").clause_id == "7.2"
    body = course.lesson("7.3").body
    assert "## 7.3.1 奖励措施" in body and "## 7.3.2 惩戒措施" in body


def test_duplicated_2_3_heading_is_text(course):
    lesson = course.lesson("2.3")
    assert lesson.body.count("# 2.3 利益冲突规避机制") == 1
    assert "管理指南中的2.3利益冲突规避机制,通过以上" in lesson.plain_text
    assert [lesson.clause_id for lesson in course.lessons].count("2.3") == 1


def test_numbered_items_become_headings_or_lists(course):
    assert "## (一)指导思想" in course.lesson("1").body
    assert "## (1)外在形象规范" in course.lesson("2.4").body
    assert "## 1)会议纪律" in course.lesson("3.3").body
    assert "<br>2.分析冲突原因" in course.lesson("6.4").body
    assert "- 产品质量问题\n- 服务质量问题" in course.lesson("4.2").body
    assert "- **定期触达:**根据客户类型" in course.lesson("4").body


def test_front_matter_fields(course):
    for lesson in course.lessons:
        assert re.fullmatch(r"[0-9a-f]{64}", lesson.source_hash)
        assert 1 <= lesson.reading_minutes <= 10
        assert lesson.title and lesson.chapter_title
        assert lesson.path.name == f"{lesson.order:02d}-{lesson.clause_id}.md"


def test_every_lesson_renders_and_tables_are_rectangular(course):
    tables = 0
    for lesson in course.lessons:
        html = markdown.markdown(lesson.body, extensions=["tables"])
        assert "**" not in html and "\\[" not in html, lesson.clause_id
        for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
            tables += 1
            rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
            widths = {len(re.findall(r"<t[hd][ >]", row)) for row in rows}
            assert len(widths) == 1, (lesson.clause_id, widths)
    assert tables == 35
