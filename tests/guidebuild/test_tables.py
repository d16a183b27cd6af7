"""Every flattened table is a Markdown table whose cells, row by row, give back the guide."""

from __future__ import annotations

import re

import pytest

from lms.courses.loader import normalise
from lms.guidebuild.tables import load_tables

from .conftest import SOURCE_DIR

_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _markdown_tables(body: str) -> list[list[list[str]]]:
    """Tables in a lesson as rows of cell text (escapes and <br> undone)."""
    tables, current = [], None
    for line in body.split("\n"):
        if not line.startswith("|"):
            current = None
            continue
        if re.fullmatch(r"\|(?: --- \|)+", line):
            continue
        cells = [
            re.sub(r"\\(.)", r"\1", cell.strip()).replace("<br>", "") for cell in _CELL_SPLIT.split(line.strip("|"))
        ]
        if current is None:
            current = []
            tables.append(current)
        current.append(cells)
    return tables


@pytest.fixture(scope="module")
def lesson_tables(course):
    return [(lesson.clause_id, table) for lesson in course.lessons for table in _markdown_tables(lesson.body)]


def test_all_tables_rebuilt(lesson_tables):
    assert len(lesson_tables) == len(load_tables(SOURCE_DIR / "tables.yaml")) == 35


def test_cells_row_by_row_give_back_the_guide(lesson_tables, cleaned_guide):
    cursor = 0
    for clause, rows in lesson_tables:
        text = "".join(cell for row in rows for cell in row)
        at = cleaned_guide.find(text, cursor)
        assert at >= 0, (clause, rows[0])
        cursor = at + len(text)


def test_rows_are_rectangular(lesson_tables):
    for clause, rows in lesson_tables:
        assert len({len(row) for row in rows}) == 1, (clause, rows[0])


@pytest.mark.parametrize(
    "clause, header, row",
    [
        (
            "1",
            ["基本原则", "含义阐释"],
            ["专业主义", "强调以专业的态度、知识和技能进行销售活动,展现高度的职业化形象。"],
        ),
        (
            "1.2",
            ["责任主体", "主要职责"],
            ["人力资源部", "负责本指南的制定、修订与备案,组织相关培训,处理违规行为的申诉与调适。"],
        ),
        ("2.1", ["投诉等级", "响应时效", "解决时限", "负责人"], ["严重", "≤30分钟", "24小时内", "销售总监"]),
        (
            "3",
            ["迟到情况", "定义", "处理方式"],
            ["迟到≤30分钟", "超过规定上班时间,但未达30分钟", "直属上级进行口头提醒;记录在考勤档案。"],
        ),
        (
            "5.1",
            ["资源类型", "获取途径", "更新频率", "负责人"],
            ["内部资料库", "公司内网/共享文档平台", "每季度更新", "产品部门"],
        ),
        ("5.4", ["评估指标", "评分(1-5分)", "备注"], ["复盘质量", "", "重点评估复盘内容的深度和广度"]),
        (
            "7.2",
            ["绩效等级", "得分区间", "对应比例", "管理策略"],
            ["不合格(D)", "<60", "≤10%", "降薪、调岗或解除劳动合同(连续2次为D则直接触发淘汰机制)"],
        ),
        (
            "7.3",
            ["奖励类型", "适用场景", "奖励内容"],
            [
                "发展激励",
                "连续3个季度绩效等级≥A;通过公司认证的高级销售技能培训",
                "晋升销售主管/区域经理资格、优先推荐行业峰会参与、外部高端培训名额",
            ],
        ),
    ],
)
def test_known_tables(course, clause, header, row):
    tables = _markdown_tables(course.lesson(clause).body)
    table = next(rows for rows in tables if rows[0] == header)
    assert row in table[1:]


def test_grades_s_to_d(course):
    grades = next(rows for rows in _markdown_tables(course.lesson("7.2.2").body) if rows[0][0] == "绩效等级")
    assert [row[0] for row in grades[1:]] == ["卓越(S)", "优秀(A)", "良好(B)", "待改进(C)", "不合格(D)"]
    assert [row[1] for row in grades[1:]] == ["90-120", "80-89", "70-79", "60-69", "<60"]


def test_skill_levels_of_5_2(course):
    rows = _markdown_tables(course.lesson("5.2").body)[0]
    assert rows[0] == ["技能维度", "进阶阶段描述"]
    assert [row[0] for row in rows[1:]] == [
        "客户沟通技巧",
        "产品知识更新",
        "销售流程优化",
        "决策影响者管理",
        "数据驱动销售决策",
    ]
    assert "<br>进阶:学会使用非语言沟通" in course.lesson("5.2").body


def test_table_text_never_changed_by_markdown(course, cleaned_guide):
    # Normalised lesson text equals the guide, so table cells cannot add words.
    everything = normalise("".join(lesson.plain_text for lesson in course.lessons))
    assert everything in normalise(cleaned_guide)
