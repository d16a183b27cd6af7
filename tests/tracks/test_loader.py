"""The tracks loader: the shipped file is clean, and every malformed case is named by file and line."""

from __future__ import annotations

import ast
import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from lms.question_bank.check import clause_texts
from lms.question_bank.loader import load_banks
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS
from lms.tracks import loader as tracks_loader
from lms.tracks.loader import SCENARIO_CLAUSE, SCENARIO_TYPES, TrackLoadError, load_tracks

from .conftest import CONTENT, QUIZZES


def errors_of(path, texts=None, banks=None) -> list[str]:
    with pytest.raises(TrackLoadError) as caught:
        load_tracks(path, texts, banks)
    return [str(error) for error in caught.value.errors]


def test_shipped_file_loads_and_checks_clean():
    tracks = load_tracks(CONTENT, clause_texts(CONTENT), load_banks(QUIZZES))
    assert [(c.dimension, c.level) for c in tracks.cells] == [(d, lv) for d in SKILL_DIMENSIONS for lv in SKILL_LEVELS]
    for cell in tracks.cells:
        assert cell.quiz.pass_mark == Decimal(80)
        assert cell.quiz.attempts >= 1 and cell.quiz.cooldown_days >= 1
        assert 3 <= len(cell.assessment.rubric.criteria) <= 6
        assert sum(c.weight for c in cell.assessment.rubric.criteria) == 100
        assert all(len(c.descriptors) == 4 for c in cell.assessment.rubric.criteria)
    assert tracks.cell("data", "advanced").prerequisite == "data/intermediate"
    assert tracks.cell("data", "basic").prerequisite is None
    assert tracks.certification.required_cells == tuple(f"{d}/advanced" for d in SKILL_DIMENSIONS)


def test_scenario_labels_are_the_guides_words():
    text = clause_texts(CONTENT)[SCENARIO_CLAUSE]
    for label in SCENARIO_TYPES.values():
        assert label in text


def test_loader_is_pure():
    tree = ast.parse(Path(tracks_loader.__file__).read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {m for m in modules if m and (m.startswith("flask") or m in ("lms.extensions", "lms.models"))}


def test_small_file_loads(tracks_file, small_texts, real_banks):
    tracks = load_tracks(tracks_file.path, small_texts, real_banks)
    assert len(tracks.cells) == 15
    with pytest.raises(dataclasses.FrozenInstanceError):
        tracks.cells[0].clause = "1"  # type: ignore[misc]


def test_unknown_clause_in_lessons(tracks_file, small_texts):
    line = tracks_file.replace('lessons: ["5.2"]', 'lessons: ["5.2", "9.9"]', nth=4)
    assert errors_of(tracks_file.path, small_texts) == [
        f"{tracks_file.path}:{line}: 产品知识更新·初级：课时条款 9.9 在课程内容（content/）中不存在"
    ]


def test_unknown_clause_of_a_descriptor(tracks_file, small_texts):
    line = tracks_file.replace('clause: "5.2"', 'clause: "9.9"', nth=2)
    assert errors_of(tracks_file.path, small_texts) == [
        f"{tracks_file.path}:{line}: 客户沟通技巧·进阶：条款 9.9 在课程内容（content/）中不存在"
    ]


def test_missing_cell(tracks_file):
    start = tracks_file.text.index("    advanced:", tracks_file.text.index("  data:"))
    tracks_file.text = tracks_file.text[:start]
    tracks_file.save()
    line = tracks_file.line_of("  data:")
    assert errors_of(tracks_file.path) == [
        f"{tracks_file.path}:{line}: 数据驱动销售决策·高级：缺少等级 advanced（高级）这一格"
    ]


def test_cell_without_rubric(tracks_file):
    first = tracks_file.line_of("        rubric:")
    lines = tracks_file.text.splitlines()
    del lines[first - 1 : first + 5]  # rubric:, pass_threshold, criteria:, three criteria
    tracks_file.text = "\n".join(lines) + "\n"
    tracks_file.save()
    line = tracks_file.line_of("      assessment:")
    assert errors_of(tracks_file.path) == [
        f"{tracks_file.path}:{line}: 客户沟通技巧·初级：缺少评分表 rubric（scale、pass_threshold、criteria）"
    ]


def test_weights_that_do_not_sum_to_100(tracks_file):
    tracks_file.replace("weight: 40", "weight: 45", nth=3)
    line = tracks_file.line_of("          criteria:", nth=3)
    assert errors_of(tracks_file.path) == [
        f"{tracks_file.path}:{line}: 客户沟通技巧·高级：各评分标准的权重 weight 合计应为 100（现为 105）"
    ]


def test_score_descriptor_missing(tracks_file):
    line = tracks_file.replace("scores: {1: 差, 2: 中, 3: 良, 4: 优}}", "scores: {1: 差, 2: 中, 4: 优}}", nth=2)
    assert errors_of(tracks_file.path) == [
        f"{tracks_file.path}:{line}: 客户沟通技巧·初级：评分标准「乙」缺少 3 分的描述"
    ]


def test_rubric_threshold_out_of_range(tracks_file):
    line = tracks_file.replace("pass_threshold: 2.5", "pass_threshold: 5")
    assert errors_of(tracks_file.path) == [
        f"{tracks_file.path}:{line}: 客户沟通技巧·初级：通过线 pass_threshold 是加权平均分，应在 1–4 之间（现为 5）"
    ]


def test_quiz_pass_mark_out_of_range(tracks_file):
    line = tracks_file.replace("      quiz:\n", "      quiz:\n        pass_mark: 120\n", nth=5) + 1
    assert errors_of(tracks_file.path) == [
        f"{tracks_file.path}:{line}: 产品知识更新·进阶：pass_mark 应在 0（不含）到 100 之间（现为 120）"
    ]


def test_prerequisite_not_the_level_below(tracks_file):
    line = tracks_file.replace("prerequisite: process/intermediate", "prerequisite: process/basic")
    assert errors_of(tracks_file.path) == [
        f"{tracks_file.path}:{line}: 销售流程优化·高级："
        "先修 process/basic 不是同一维度的下一级，应为 process/intermediate"
    ]


def test_prerequisite_cycle(tracks_file):
    line = tracks_file.replace("    basic:\n", "    basic:\n      prerequisite: influencers/advanced\n", nth=4) + 1
    errors = errors_of(tracks_file.path)
    place = f"{tracks_file.path}:{line}: 决策影响者管理·初级："
    assert place + "初级没有先修，应删去 prerequisite（现为 influencers/advanced）" in errors
    cycle = "influencers/basic → influencers/advanced → influencers/intermediate → influencers/basic"
    assert place + f"先修关系成环：{cycle}" in errors
    assert len(errors) == 2  # the level-below links themselves are right: only 初级 and the cycle are reported


def test_quiz_draw_without_bank_questions(tracks_file, real_banks):
    # The bank without its 产品知识更新·高级 questions: that cell's draw cannot be filled.
    banks = [
        dataclasses.replace(
            bank, questions=tuple(q for q in bank.questions if (q.dimension, q.level) != ("product", "advanced"))
        )
        for bank in real_banks
    ]
    line = tracks_file.line_of("          - {count: 2, points: 50}", nth=6)
    assert errors_of(tracks_file.path, banks=banks) == [
        f"{tracks_file.path}:{line}: 产品知识更新·高级：第 1 条抽题规则（dimension=product、level=advanced）"
        "需要 2 题，题库中符合的有 0 题"
    ]


def test_quiz_points_must_total_100(tracks_file):
    tracks_file.replace("{count: 2, points: 50}", "{count: 2, points: 40}")
    line = tracks_file.line_of("        draws:")
    assert errors_of(tracks_file.path) == [
        f"{tracks_file.path}:{line}: 客户沟通技巧·初级：各抽题规则的分值合计应为 100（现为 80）"
    ]


def test_quiz_draw_from_another_dimension(tracks_file):
    line = tracks_file.replace("{count: 2, points: 50}", "{count: 2, points: 50, dimension: data}")
    assert errors_of(tracks_file.path) == [
        f"{tracks_file.path}:{line}: 客户沟通技巧·初级：第 1 条抽题规则的 dimension 应为本格的 communication"
    ]


def test_quote_not_found(tracks_file, small_texts):
    line = tracks_file.replace("descriptor: data的进阶描述", "descriptor: 不在指南里的话")
    assert errors_of(tracks_file.path, small_texts) == [
        f"{tracks_file.path}:{line}: 数据驱动销售决策·进阶："
        "引文「不在指南里的话」在条款 5.2 的课文中找不到（须逐字引用）"
    ]


def test_quote_is_normalised_like_the_bank(tracks_file, small_texts):
    # Full-width forms and spaces fold away, as for question quotes.
    tracks_file.replace("descriptor: data的进阶描述", "descriptor: ｄａｔａ 的进阶描述")
    assert load_tracks(tracks_file.path, small_texts).cell("data", "intermediate").descriptor == "ｄａｔａ 的进阶描述"


def test_certification_rule_is_data(tracks_file, small_texts):
    tracks_file.replace("  dimensions: all", "  dimensions: [communication, data]")
    cert = load_tracks(tracks_file.path, small_texts).certification
    assert cert.holds({"communication/advanced", "data/advanced"})
    assert not cert.holds({"communication/advanced", "data/intermediate"})


def test_certification_quote_not_found(tracks_file, small_texts):
    line = tracks_file.line_of("certification:")
    small_texts["7.3"] = "别的话"
    assert errors_of(tracks_file.path, small_texts) == [
        f"{tracks_file.path}:{line}: 引文「通过公司认证的高级销售技能培训」在条款 7.3 的课文中找不到（须逐字引用）"
    ]


def test_rubric_result_is_the_weighted_mean(tracks_file):
    rubric = load_tracks(tracks_file.path).cells[0].assessment.rubric
    result = rubric.result({"a": 3, "b": 2, "c": 2})  # (40×3 + 30×2 + 30×2) / 100
    assert (result.weighted, result.passed) == (Decimal("2.4"), False)
    assert rubric.result({"a": 3, "b": 3, "c": 2}).passed  # 2.7 ≥ 2.5
    with pytest.raises(ValueError):
        rubric.result({"a": 5, "b": 3, "c": 2})


def test_malformed_yaml_names_the_line(tracks_file):
    line = tracks_file.replace("title: 测试路径", "title: [测试路径")
    errors = errors_of(tracks_file.path)
    assert len(errors) == 1 and errors[0].startswith(f"{tracks_file.path}:") and "YAML 格式错误" in errors[0]
    assert line == 1


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  level: advanced", "  level: [advanced]"),
        ("  dimensions: all", "  dimensions: [[data]]"),
        ("        scenario: role_play", "        scenario: {a: 1}"),
        ("scores: {1: 差, 2: 中, 3: 良, 4: 优}}", 'scores: {"1": 差, 2: 中, 3: 良, 4: 优}}'),
        ("          - {count: 2, points: 50}", "          - {count: 2, points: 50, level: [basic]}"),
        ("    basic:\n      clause", "    basic: 不是映射\n    x:\n      clause"),
        ("      quiz:\n        draws:\n", "      quiz:\n        draws: 3\n        x:\n"),
        ("          criteria:\n", "          criteria: []\n          x:\n"),
    ],
)
def test_wrong_shapes_are_errors_with_a_line(tracks_file, old, new):
    line = tracks_file.replace(old, new)
    with pytest.raises(TrackLoadError) as caught:
        load_tracks(tracks_file.path)
    assert caught.value.errors and all(error.line for error in caught.value.errors)
    assert any(error.line in (line, line + 1) for error in caught.value.errors), caught.value.errors
