"""`lms quizzes check`: validate every bank against the course content and summarise coverage.

Beyond what the loader checks on its own, every question must cite a clause
that exists in `content/`, and its quote must appear word for word in that
clause's lesson after normalisation (width, case, spaces, script, Markdown
markup): that is what keeps every question traceable to the guide.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lms.question_bank.loader import QUESTION_TYPES, BankError, BankLoadError, QuestionBank, load_banks
from lms.question_bank.normalise import normalise_for_quote
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS


@dataclass
class CheckResult:
    """The banks that loaded, every error found, and the coverage summary."""

    banks: list[QuestionBank] = field(default_factory=list)
    errors: list[BankError] = field(default_factory=list)
    clause_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def questions(self):
        return [question for bank in self.banks for question in bank.questions]

    def summary(self) -> dict:
        """Counts by type, by dimension/level cell and by clause; clauses with no question."""
        questions = self.questions
        by_type = Counter(question.type for question in questions)
        cells = Counter(f"{q.dimension}/{q.level}" for q in questions if q.dimension and q.level)
        by_clause = Counter(question.clause for question in questions)
        return {
            "ok": self.ok,
            "banks": {bank.name: len(bank.questions) for bank in self.banks},
            "questions": len(questions),
            "by_type": {qtype: by_type.get(qtype, 0) for qtype in QUESTION_TYPES},
            "cells": {f"{d}/{lv}": cells.get(f"{d}/{lv}", 0) for d in SKILL_DIMENSIONS for lv in SKILL_LEVELS},
            "by_clause": {clause: by_clause.get(clause, 0) for clause in self.clause_ids},
            "clauses_without_questions": [clause for clause in self.clause_ids if not by_clause.get(clause)],
            "errors": [error.as_dict() for error in self.errors],
        }


def clause_texts(content_dir: str | Path) -> dict[str, str]:
    """Clause id -> the lesson's plain text, in course order, from the built course in `content_dir`.

    Uses the course loader, so the bank is checked against exactly the text
    the lessons show. Raises whatever the course loader raises for a broken course.
    """
    from lms.courses.loader import load_course

    course = load_course(Path(content_dir))
    return {lesson.clause_id: lesson.plain_text for lesson in course.lessons}


def check_banks(banks: list[QuestionBank], texts: dict[str, str]) -> list[BankError]:
    """Errors for questions citing an unknown clause or quoting words not in their clause."""
    folded = {clause: normalise_for_quote(text) for clause, text in texts.items()}
    errors = []
    for bank in banks:
        for question in bank.questions:
            if question.clause not in folded:
                errors.append(BankError(question.file, question.line,
                                        f"条款 {question.clause} 在课程内容（content/）中不存在", question.id))
            elif normalise_for_quote(question.quote) not in folded[question.clause]:
                errors.append(BankError(question.file, question.line,
                                        f"引文「{question.quote}」在条款 {question.clause} 的课文中找不到（须逐字引用）",
                                        question.id))
    return errors


def run_check(quizzes_dir: str | Path, texts: dict[str, str]) -> CheckResult:
    """Load every bank under `quizzes_dir` and check it against `texts` (see `clause_texts`)."""
    result = CheckResult(clause_ids=list(texts))
    try:
        result.banks = load_banks(quizzes_dir)
    except BankLoadError as error:
        result.errors = error.errors
        return result
    if not result.banks:
        result.errors.append(BankError(str(quizzes_dir), None, "没有找到题库（含 bank.yaml 的子目录）"))
    result.errors += check_banks(result.banks, texts)
    # Exam definitions (quizzes/exams/*.yaml): points total 100, the banks can fill every draw.
    from lms.exams.definitions import check_definitions

    result.errors += [BankError(file, None, message) for file, message in check_definitions(quizzes_dir, result.banks)]
    return result
