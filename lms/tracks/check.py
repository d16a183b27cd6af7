"""The skill tracks' part of `lms content check`: load content/tracks.yaml against the course and the bank.

Files only, no app: the clause texts come from the course in the content
folder, the bank from the quizzes folder (by default the `quizzes/` beside
`content/`, as in the repository). A missing or broken bank does not fail the
content check (`lms quizzes check` reports it); the summary says the draws were
not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lms.question_bank.check import clause_texts
from lms.question_bank.loader import BankLoadError, QuestionBank, find_banks, load_banks
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS
from lms.tracks.loader import TRACKS_FILE, TrackLoadError, Tracks, load_tracks


@dataclass(frozen=True)
class TracksCheck:
    """The outcome: every problem ("file:line: message"), or the loaded tracks and a summary line."""

    problems: tuple[str, ...]
    summary: str = ""
    tracks: Tracks | None = None


def check_tracks_file(content_dir: str | Path, quizzes_dir: str | Path | None = None) -> TracksCheck | None:
    """Check `content_dir`/tracks.yaml; None when the folder has no tracks file (e.g. a fresh build)."""
    content_dir = Path(content_dir)
    file = content_dir / TRACKS_FILE
    if not file.exists():
        return None
    banks, bank_note = _banks(Path(quizzes_dir) if quizzes_dir else content_dir.parent / "quizzes")
    try:
        tracks = load_tracks(file, clause_texts(content_dir), banks)
    except TrackLoadError as error:
        return TracksCheck(problems=tuple(str(problem) for problem in error.errors))
    return TracksCheck(problems=(), summary=summary(tracks) + bank_note, tracks=tracks)


def _banks(quizzes_dir: Path) -> tuple[list[QuestionBank] | None, str]:
    """The banks to check draws against, or None and why the draws go unchecked."""
    if not find_banks(quizzes_dir):
        return None, f"；未找到题库（{quizzes_dir}），抽题规则未核对"
    try:
        return load_banks(quizzes_dir), "；抽题规则已按题库核对"
    except BankLoadError:
        return None, "；题库无法加载，抽题规则未核对（请运行 lms quizzes check）"


def summary(tracks: Tracks) -> str:
    """One Chinese line: cells, quizzes, assessments and the certification rule."""
    questions = sum(cell.quiz.question_count for cell in tracks.cells)
    criteria = sum(len(cell.assessment.rubric.criteria) for cell in tracks.cells)
    cert = tracks.certification
    scope = (
        "全部五个维度"
        if len(cert.dimensions) == len(SKILL_DIMENSIONS)
        else "、".join(SKILL_DIMENSIONS[d] for d in cert.dimensions)
    )
    return (
        f"技能路径：{len(tracks.cells)} 格，{len(tracks.cells)} 个等级测验（共 {questions} 题），"
        f"{len(tracks.cells)} 项实践考核（共 {criteria} 项评分标准），"
        f"认证「{cert.title}」：{scope}达到{SKILL_LEVELS[cert.level]}"
    )
