"""Fixtures for the skill tracks: a small, complete tracks file to break, and the texts and bank to check it with."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.question_bank.loader import load_banks
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "content"
QUIZZES = REPO / "quizzes"
CERT_QUOTE = "通过公司认证的高级销售技能培训"


def descriptor(dimension: str, level: str) -> str:
    return f"{dimension}的{SKILL_LEVELS[level]}描述"


def small_tracks_text() -> str:
    """A complete, valid tracks file in as few lines as the format allows (flow style for rubrics)."""
    lines = [
        "title: 测试路径",
        "certification:",
        "  title: 测试认证",
        '  clause: "7.3"',
        f"  quote: {CERT_QUOTE}",
        "  level: advanced",
        "  dimensions: all",
        "tracks:",
    ]
    for dimension in SKILL_DIMENSIONS:
        lines.append(f"  {dimension}:")
        previous = None
        for level in SKILL_LEVELS:
            lines += [
                f"    {level}:",
                '      clause: "5.2"',
                f"      descriptor: {descriptor(dimension, level)}",
                '      lessons: ["5.2"]',
                "      quiz:",
                "        draws:",
                "          - {count: 2, points: 50}",
                "      assessment:",
                "        scenario: role_play",
                "        task: 演练一次",
                "        rubric:",
                "          pass_threshold: 2.5",
                "          criteria:",
                "            - {key: a, name: 甲, weight: 40, scores: {1: 差, 2: 中, 3: 良, 4: 优}}",
                "            - {key: b, name: 乙, weight: 30, scores: {1: 差, 2: 中, 3: 良, 4: 优}}",
                "            - {key: c, name: 丙, weight: 30, scores: {1: 差, 2: 中, 3: 良, 4: 优}}",
            ]
            if previous:
                lines.append(f"      prerequisite: {dimension}/{previous}")
            previous = level
    return "\n".join(lines) + "\n"


@pytest.fixture
def small_texts() -> dict[str, str]:
    """Clause texts holding every descriptor of the small file (5.2) and the certification quote (7.3)."""
    return {"5.2": "。".join(descriptor(d, lv) for d in SKILL_DIMENSIONS for lv in SKILL_LEVELS), "7.3": CERT_QUOTE}


@pytest.fixture(scope="session")
def real_banks():
    """The repository's question bank (every cell has questions)."""
    return load_banks(QUIZZES)


class TracksFile:
    """The small tracks file in tmp_path, with helpers to break it and to find a line."""

    def __init__(self, path: Path):
        self.path = path
        self.text = small_tracks_text()
        self.save()

    def save(self) -> None:
        self.path.write_text(self.text, encoding="utf-8")

    def replace(self, old: str, new: str, nth: int = 1) -> int:
        """Replace the `nth` occurrence of `old` and return its (1-based) line number."""
        start = -1
        for _ in range(nth):
            start = self.text.index(old, start + 1)
        self.text = self.text[:start] + new + self.text[start + len(old) :]
        self.save()
        return self.text.count("\n", 0, start) + 1

    def line_of(self, fragment: str, nth: int = 1) -> int:
        start = -1
        for _ in range(nth):
            start = self.text.index(fragment, start + 1)
        return self.text.count("\n", 0, start) + 1


@pytest.fixture
def tracks_file(tmp_path) -> TracksFile:
    return TracksFile(tmp_path / "tracks.yaml")


# The service and page tests' fixtures (the repository's course, bank and tracks synced; a frozen clock; people).
from tests.tracks.track_support import frozen, people, tracks_db  # noqa: E402,F401
