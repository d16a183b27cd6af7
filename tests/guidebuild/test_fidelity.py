"""The course is the guide: Simplified, clean, every sentence in order, nothing added."""

from __future__ import annotations

import re

import opencc
import pytest

from lms.courses.loader import normalise, plain_text
from lms.guidebuild.clean import PINYIN
from lms.guidebuild.errata import load_errata

from .conftest import SOURCE_DIR

SENTENCE_END = re.compile(r"(?<=[。;!?])")
TONE_MARKS = re.compile("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _lessons_text(course) -> str:
    """The course stripped back to words: title, then every lesson in order."""
    return normalise(course.title + "".join(lesson.plain_text for lesson in course.lessons))


def test_coverage_every_sentence_in_order(course, cleaned_guide):
    lessons = _lessons_text(course)
    sentences = [s for s in SENTENCE_END.split(cleaned_guide) if s]
    found, cursor, missing = 0, 0, []
    for sentence in sentences:
        at = lessons.find(normalise(sentence), cursor)
        if at < 0:
            missing.append(sentence)
            continue
        found += 1
        cursor = at + len(normalise(sentence))
    print(f"\ncoverage: {found}/{len(sentences)} sentences of the guide, in order: {100 * found / len(sentences):.1f}%")
    assert not missing, missing[:5]
    assert found == len(sentences)


def test_nothing_added_nothing_dropped(course, cleaned_guide):
    # Stronger than sentence coverage: the words of all lessons, notes and
    # Markdown stripped, are the cleaned guide character for character.
    assert _lessons_text(course) == normalise(cleaned_guide)


def test_simplified_and_clean(course):
    t2s = opencc.OpenCC("t2s")
    for lesson in course.lessons:
        text = lesson.body
        assert t2s.convert(text) == text, lesson.clause_id
        assert not PINYIN.search(text) and not TONE_MARKS.search(text), lesson.clause_id
        assert "?" not in text and "？" not in text, lesson.clause_id
        assert not PRIVATE_USE.search(text) and "\ufffd" not in text, lesson.clause_id


@pytest.mark.parametrize(
    "latin", ["(CRM)", "(KPIs)", "卓越(S)", "(PIP)", "(NPS)", "(IM)", "(LTV)", "(CSAT)", "(WBS)", "(FAQ)"]
)
def test_real_latin_content_kept(course, latin):
    assert any(latin in lesson.plain_text for lesson in course.lessons)


def test_errata_are_reviewed_repairs():
    errata = load_errata(SOURCE_DIR / "errata.yaml")
    t2s = opencc.OpenCC("t2s")
    mojibake = [erratum for erratum in errata if erratum.kind == "mojibake"]
    assert len(mojibake) >= 40
    for erratum in errata:
        assert re.search("[?\ue000-\uf8ff]", erratum.garbled) or erratum.kind == "lost-operator"
        assert not re.search("[?\ue000-\uf8ff]", erratum.repaired)
        assert t2s.convert(erratum.repaired) == erratum.repaired, "repairs are written in Simplified Chinese"
        assert erratum.clause


@pytest.mark.parametrize(
    "clause, words",
    [
        ("1.2", "以确保跨部门协同工作的顺畅与高效"),
        ("1.2", "客服部 | 提供客户服务培训"),
        ("2.2", "销售团队应主动向客户明确告知"),
        ("3.1", "避免使用过多专业术语,确保客户理解。"),
        ("3.4", "需使用恰当的密码安全措施保护记录"),
        ("5.1", "考核频率:**每季度一次"),
        ("7.1", "考核周期分为月度、季度及年度,具体指标如下"),
        ("7.4", "确保考核体系科学性"),
        ("5.3", "(参加人数/应到人数)×100%"),
    ],
)
def test_repaired_places_read_as_meant(course, clause, words):
    assert words in course.lesson(clause).body


def test_lost_formulas_marked_not_invented(course):
    for clause, before in [
        ("2.1", "信任度"),
        ("5", "技能提升值"),
        ("5", "优化效果"),
        ("5.4", "复盘效果"),
        ("6.2", "沟通效率"),
        ("3.3", "周业绩达成率="),
    ]:
        assert f"{before}*「原文公式缺失」*" in course.lesson(clause).body, clause


def test_truncated_end_is_stated(course):
    last = course.lessons[-1]
    assert last.clause_id == "7.1b" and last.title == "业绩评估维度与标准"
    assert last.plain_text.endswith("对于连续两个季度未")
    assert "原文在此中断" in last.body and "67 页中的前 5 页" in last.body


def test_notes_are_not_guide_text():
    assert plain_text("信任度*「原文公式缺失」*\n\n> *「原文在此中断」*") == "信任度"
