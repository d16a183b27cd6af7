"""Pure loader for the onboarding program file (content/onboarding.yaml).

The file names the lessons (and later the quizzes) a new hire must complete
and how long they have. Clause ids are read as the strings written, never as
YAML numbers (1.10 must not become 1.1), and every error names file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PROGRAM_FILE = "onboarding.yaml"


class ProgramError(Exception):
    """The program file is malformed; the message names file and line."""


@dataclass(frozen=True)
class ProgramItem:
    clause_id: str
    line: int  # 1-based line in the file, for error messages


@dataclass(frozen=True)
class OnboardingProgram:
    title: str
    due_months: int
    lessons: tuple[ProgramItem, ...]
    path: Path

    @property
    def clause_ids(self) -> tuple[str, ...]:
        return tuple(item.clause_id for item in self.lessons)


def _fail(path: Path, node, message: str) -> ProgramError:
    return ProgramError(f"{path}:{node.start_mark.line + 1}: {message}")


def _mapping(path: Path, root) -> dict:
    if not isinstance(root, yaml.MappingNode):
        raise ProgramError(f"{path}:1: 顶层应为映射（title / due_months / lessons）")
    return {key.value: value for key, value in root.value}


def load_program(path: Path) -> OnboardingProgram:
    """Parse and check the onboarding program; raise ProgramError naming file and line."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ProgramError(f"{path}: 无法读取：{error}") from error
    except yaml.YAMLError as error:
        raise ProgramError(f"{path}: YAML 格式错误：{error}") from error
    if root is None:
        raise ProgramError(f"{path}:1: 文件为空")
    fields = _mapping(path, root)
    for required in ("title", "due_months", "lessons"):
        if required not in fields:
            raise ProgramError(f"{path}:1: 缺少字段 {required}")
    months_node = fields["due_months"]
    if not (isinstance(months_node, yaml.ScalarNode) and months_node.value.isdigit() and int(months_node.value) > 0):
        raise _fail(path, months_node, "due_months 应为正整数（月数）")
    lessons_node = fields["lessons"]
    if not isinstance(lessons_node, yaml.SequenceNode) or not lessons_node.value:
        raise _fail(path, lessons_node, "lessons 应为非空列表")
    items, seen = [], set()
    for node in lessons_node.value:
        if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
            raise _fail(path, node, '每一项应为课时的条款编号，例如 "1.1"')
        if node.value in seen:
            raise _fail(path, node, f"条款 {node.value} 重复")
        seen.add(node.value)
        items.append(ProgramItem(node.value.strip(), node.start_mark.line + 1))
    return OnboardingProgram(fields["title"].value, int(months_node.value), tuple(items), path)


def check_program(program: OnboardingProgram, known_clause_ids: set[str]) -> list[str]:
    """Errors (file:line: message) for program entries that name no lesson of the course."""
    return [
        f"{program.path}:{item.line}: 入职培训引用的课时 {item.clause_id} 不存在"
        for item in program.lessons
        if item.clause_id not in known_clause_ids
    ]


@lru_cache(maxsize=8)
def _load_cached(path: Path, _mtime_ns: int) -> OnboardingProgram:
    return load_program(path)


def program_in(content_dir: str | Path) -> OnboardingProgram:
    """The program file of a content folder, re-read only when the file changes."""
    path = Path(content_dir) / PROGRAM_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as error:
        raise ProgramError(f"{path}: 找不到入职培训计划文件") from error
    return _load_cached(path, mtime)
