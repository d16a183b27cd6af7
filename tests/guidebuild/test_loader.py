"""The pure course loader: dataclasses, invariants, errors with file and line."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from lms.courses.loader import CourseError, load_course, plain_text, quote_in_lesson


@pytest.fixture
def broken(tmp_path, built):
    """A writable copy of a fresh build, to break."""
    copy = tmp_path / "content"
    shutil.copytree(built, copy)
    return copy


def test_course_shape(course):
    assert course.title == "销售团队日常行为规范与职业素养提升管理指南"
    assert len(course.chapters) == 7 and len(course.lessons) == 35
    lesson = course.lesson("2.1")
    assert (lesson.chapter, lesson.chapter_title, lesson.title) == (2, "职业操守与道德准则", "诚信经营规范")
    assert lesson.body.startswith("# 2.1 诚信经营规范")
    with pytest.raises(dataclasses.FrozenInstanceError):
        lesson.title = "x"
    with pytest.raises(KeyError):
        course.lesson("9.9")


def test_plain_text_for_quotes(course):
    lesson = course.lesson("5.1")
    assert "考核成绩应达到80分及以上(含80分)" in lesson.plain_text
    assert quote_in_lesson(lesson, "考核频率:每季度一次")
    assert quote_in_lesson(course.lesson("2.1"), "严重 ≤30分钟")  # across table cells, whitespace ignored
    assert not quote_in_lesson(lesson, "考核频率:每月一次")
    assert "**" not in lesson.plain_text and "|" not in lesson.plain_text


def test_plain_text_strips_markdown():
    markdown = "# 1.1 标题\n\n- **要求:**正文\\[例如\\]\n\n| 甲 | 乙 |\n| --- | --- |\n| 1.a<br>2.b | c |"
    assert plain_text(markdown) == "1.1 标题\n要求:正文[例如]\n甲 乙\n1.a2.b c"


def test_missing_index(broken):
    (broken / "index.md").unlink()
    with pytest.raises(CourseError, match=r"index\.md:1: the course index is missing"):
        load_course(broken)


def test_bad_front_matter_names_file_and_line(broken):
    lesson = broken / "chapter-1" / "02-1.1.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8").replace("reading_minutes: 3", "reading_minutes: soon"), encoding="utf-8"
    )
    with pytest.raises(CourseError, match=r"02-1\.1\.md:6: front matter field 'reading_minutes' missing or not int"):
        load_course(broken)


def test_no_front_matter(broken):
    lesson = broken / "chapter-1" / "02-1.1.md"
    lesson.write_text("# 1.1\n", encoding="utf-8")
    with pytest.raises(CourseError, match=r"02-1\.1\.md:1: the file does not start with front matter"):
        load_course(broken)


def test_duplicate_clause_and_order(broken):
    source = broken / "chapter-1" / "02-1.1.md"
    text = source.read_text(encoding="utf-8").replace('clause_id: "1.1"', 'clause_id: "1.2"')
    source.unlink()
    (broken / "chapter-1" / "02-1.2.md").write_text(text, encoding="utf-8")
    with pytest.raises(CourseError) as error:
        load_course(broken)
    problems = "\n".join(error.value.problems)
    assert "03-1.2.md:2: clause 1.2 also in" in problems
    assert "the index lists lessons" in problems


def test_lesson_in_the_wrong_folder(broken):
    (broken / "chapter-1" / "04-1.3.md").rename(broken / "chapter-2" / "04-1.3.md")
    with pytest.raises(CourseError, match=r"04-1\.3\.md:4: chapter 1 but the file is in chapter-2"):
        load_course(broken)
