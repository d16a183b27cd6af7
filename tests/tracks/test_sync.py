"""`lms content sync` syncs content/tracks.yaml too, and writes nothing at all while the file is wrong."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from lms.extensions import db as _db
from lms.models import Exam, ExamKind, Lesson, SkillCell

from .conftest import CONTENT


@pytest.fixture
def content_copy(app, tmp_path):
    """A copy of the repository's content/ that the app syncs from."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT, folder)
    app.config["CONTENT_DIR"] = str(folder)
    return folder


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (
            _db.session.query(Lesson).count(),
            _db.session.query(SkillCell).count(),
            _db.session.query(Exam).filter(Exam.kind == ExamKind.LEVEL_QUIZ).count(),
        )


def test_sync_writes_cells_and_level_quizzes_then_changes_nothing(app, runner, content_copy):
    first = runner.invoke(args=["content", "sync"])
    assert first.exit_code == 0, first.output
    assert "技能路径：新增 15 格" in first.output
    assert _counts(app) == (35, 15, 15)
    second = runner.invoke(args=["content", "sync"])
    assert "未变 15 格" in second.output
    with app.app_context():
        cell = _db.session.scalars(select(SkillCell).where(SkillCell.key == "communication/basic")).one()
        assert cell.exam.key == "lq:communication/basic" and cell.exam.kind == "level_quiz"
        assert cell.quiz["attempts"] == 2 and cell.quiz["cooldown_days"] == 7 and cell.quiz["questions"] == 5
        assert len(cell.assessment["rubric"]["criteria"]) == 3 and cell.prerequisite_key is None


def test_dry_run_writes_nothing(app, runner, content_copy):
    result = runner.invoke(args=["content", "sync", "--dry-run"])
    assert result.exit_code == 0 and "新增 15 格" in result.output
    assert _counts(app) == (0, 0, 0)


@pytest.mark.parametrize(
    "old, new, message, named",
    [
        ("weight: 40", "weight: 45", "合计应为 100", "criteria:"),  # the weights' sum is the criteria list's
        ('lessons: ["5.2", "3.2", "4", "4.1"]', 'lessons: ["5.2", "99.9"]', "99.9", None),
        ("      prerequisite: communication/basic\n", "      prerequisite: communication/advanced\n", "先修", None),
    ],
)
def test_a_broken_tracks_file_syncs_nothing_and_names_the_line(app, runner, content_copy, old, new, message, named):
    file = content_copy / "tracks.yaml"
    text = file.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(named or old)].count("\n") + 1
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code != 0
    assert f"tracks.yaml:{line}" in result.output and message in result.output and "未同步任何内容" in result.output
    assert _counts(app) == (0, 0, 0)  # not even the lessons


def test_a_cell_that_leaves_the_file_is_retired_with_its_quiz(app, content_copy):
    import dataclasses

    from lms.tracks.check import check_tracks_file
    from lms.tracks.sync import sync_tracks

    tracks = check_tracks_file(content_copy).tracks
    with app.app_context():
        sync_tracks(tracks)
        _db.session.commit()
        report = sync_tracks(dataclasses.replace(tracks, cells=tracks.cells[1:]))
        _db.session.commit()
        assert report.retired == [tracks.cells[0].key]
        gone = _db.session.scalars(select(SkillCell).where(SkillCell.key == tracks.cells[0].key)).one()
        assert gone.retired_at is not None and gone.exam.retired_at is not None
        sync_tracks(tracks)  # back again
        _db.session.commit()
        assert gone.retired_at is None and gone.exam.retired_at is None


def test_the_exam_sync_leaves_level_quizzes_alone(app, runner, content_copy):
    runner.invoke(args=["content", "sync"])
    result = runner.invoke(args=["exams", "sync"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        quizzes = _db.session.scalars(select(Exam).where(Exam.kind == ExamKind.LEVEL_QUIZ)).all()
        assert len(quizzes) == 15 and all(q.retired_at is None for q in quizzes)
