"""`lms quizzes check`: validate every bank against the course content and summarise coverage.

Beyond what the loader checks on its own, every question must cite a clause
that exists in `content/`, and its quote must appear word for word in that
clause's lesson after normalisation (width, case, spaces, script, Markdown
markup): that is what keeps every question traceable to the guide.

The check also looks at where each bank's right answers sit (issue 12): if
one option position, one set of right options or one truth value dominates,
answering blind ("always a", "always a, b and c", "always true") scores far
above chance. Such a bank fails the check like any other error.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from lms.question_bank.loader import BankError, BankLoadError, QuestionBank, load_banks
from lms.question_bank.normalise import normalise_for_quote
from lms.question_types import QUESTION_TYPES
from lms.question_types.choices import positional_key
from lms.skills import SKILL_DIMENSIONS, SKILL_LEVELS

# --- answer distribution: the limits a bank's right answers must keep (issue 12) ---
# No option position holds over 40 % of the single-choice answers …
SINGLE_POSITION_MAX_SHARE = Fraction(40, 100)
# … unless the position's fair share plus 15 points is more: with only two options per
# question a fair bank has 50 % at `a`, so the limit there is 65 %, as for true/false.
SINGLE_POSITION_SLACK = Fraction(15, 100)
# No exact set of right options (say {a, b, c}) in over 40 % of the multiple-choice questions.
MULTIPLE_SET_MAX_SHARE = Fraction(40, 100)
# The share of true statements among the true/false questions.
TRUE_SHARE_MIN = Fraction(35, 100)
TRUE_SHARE_MAX = Fraction(65, 100)
# "Pick the longest option" may not beat chance by more than the position limit allows either:
# the share of single-choice questions whose right option is the longest (ties split) is held
# to the same limit as a position, against the fair share of picking one option at random.
# Below this many questions of a type in a bank, shares are shown but not judged:
# with two single-choice questions one position always holds at least half.
DISTRIBUTION_MIN_QUESTIONS = 10


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

    @property
    def distributions(self) -> list[AnswerDistribution]:
        """Where each bank's right answers sit, bank by bank."""
        return [answer_distribution(bank) for bank in self.banks]

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
            "answer_distribution": {dist.bank: dist.as_dict() for dist in self.distributions},
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
                errors.append(
                    BankError(
                        question.file,
                        question.line,
                        f"条款 {question.clause} 在课程内容（content/）中不存在",
                        question.id,
                    )
                )
            elif normalise_for_quote(question.quote) not in folded[question.clause]:
                errors.append(
                    BankError(
                        question.file,
                        question.line,
                        f"引文「{question.quote}」在条款 {question.clause} 的课文中找不到（须逐字引用）",
                        question.id,
                    )
                )
    return errors


def _percent(share: Fraction) -> str:
    """A share as people read it, rounded half up to 0.1: 25%, 43.8%."""
    value = (Decimal(share.numerator) * 100 / Decimal(share.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{value}".removesuffix(".0") + "%"


def _set_label(keys: str) -> str:
    return "{" + ",".join(keys) + "}"


@dataclass(frozen=True)
class AnswerDistribution:
    """Where one bank's right answers sit.

    `single`: the right option's key -> number of single-choice questions;
    `single_fair`: each key's fair share (the mean of 1/options over the questions having that key);
    `longest`: how many single-choice questions "pick the longest option" gets right (ties split);
    `multiple`: the set of right keys ("abd") -> number of multiple-choice questions;
    `true` / `false`: the true/false questions by answer.
    """

    bank: str
    file: str
    single: dict[str, int]
    single_fair: dict[str, Fraction]
    longest: Fraction
    longest_fair: Fraction
    multiple: dict[str, int]
    true: int
    false: int

    @property
    def single_count(self) -> int:
        return sum(self.single.values())

    @property
    def multiple_count(self) -> int:
        return sum(self.multiple.values())

    @property
    def multiple_sizes(self) -> dict[int, int]:
        """Number of right options -> number of multiple-choice questions, smallest first."""
        sizes = Counter()
        for keys, count in self.multiple.items():
            sizes[len(keys)] += count
        return dict(sorted(sizes.items()))

    def single_limit(self, key: str) -> Fraction:
        """The largest share position `key` may hold (SINGLE_POSITION_MAX_SHARE or fair share + slack)."""
        return max(SINGLE_POSITION_MAX_SHARE, self.single_fair[key] + SINGLE_POSITION_SLACK)

    @property
    def longest_limit(self) -> Fraction:
        """The largest share of right answers "pick the longest option" may reach."""
        return max(SINGLE_POSITION_MAX_SHARE, self.longest_fair + SINGLE_POSITION_SLACK)

    def problems(self) -> list[str]:
        """One Chinese message per limit the bank breaks; types with too few questions are not judged."""
        messages = []
        n = self.single_count
        if n >= DISTRIBUTION_MIN_QUESTIONS:
            for key, count in self.single.items():
                share = Fraction(count, n)
                if share > self.single_limit(key):
                    messages.append(
                        f"单选题的正确答案集中在选项 {key}：{count}/{n} 题（{_percent(share)}），"
                        f"超过上限 {_percent(self.single_limit(key))}；请调整选项顺序，让正确答案分散在各个位置"
                    )
            share = self.longest / n
            if share > self.longest_limit:
                messages.append(
                    f"单选题中最长的选项往往就是正确答案：只选最长的选项能答对 {_percent(share)}，"
                    f"超过上限 {_percent(self.longest_limit)}；请把干扰项写得和正确选项一样具体"
                )
        n = self.multiple_count
        if n >= DISTRIBUTION_MIN_QUESTIONS:
            for keys, count in self.multiple.items():
                share = Fraction(count, n)
                if share > MULTIPLE_SET_MAX_SHARE:
                    messages.append(
                        f"多选题的正确选项组合集中：{_set_label(keys)} 出现在 {count}/{n} 题（{_percent(share)}），"
                        f"超过上限 {_percent(MULTIPLE_SET_MAX_SHARE)}；请变换正确选项的个数和位置"
                    )
        n = self.true + self.false
        if n >= DISTRIBUTION_MIN_QUESTIONS:
            share = Fraction(self.true, n)
            if not TRUE_SHARE_MIN <= share <= TRUE_SHARE_MAX:
                messages.append(
                    f"判断题中答案为“对”的占 {self.true}/{n} 题（{_percent(share)}），应在 {_percent(TRUE_SHARE_MIN)}–"
                    f"{_percent(TRUE_SHARE_MAX)} 之间；请改写部分题目，使对错大致各半"
                )
        return messages

    def describe(self) -> str:
        """The distribution in one Chinese line, as `lms quizzes check` prints it."""
        parts = []
        if self.single_count:
            total = self.single_count
            shares = "、".join(f"{key} {_percent(Fraction(count, total))}" for key, count in self.single.items())
            parts.append(f"单选 {shares}，只选最长的选项答对 {_percent(self.longest / total)}（{total} 题）")
        if self.multiple_count:
            total = self.multiple_count
            keys, top = max(self.multiple.items(), key=lambda item: item[1])
            sizes = "、".join(f"{size} 个 {count} 题" for size, count in self.multiple_sizes.items())
            parts.append(
                f"多选 {len(self.multiple)} 种组合，最多的 {_set_label(keys)} "
                f"占 {_percent(Fraction(top, total))}，正确项 {sizes}（{total} 题）"
            )
        if self.true + self.false:
            parts.append(
                f"判断 “对” {_percent(Fraction(self.true, self.true + self.false))}"
                f"（{self.true}/{self.true + self.false} 题）"
            )
        return f"题库 {self.bank} 正确答案分布：" + ("；".join(parts) or "没有选择题或判断题")

    def as_dict(self) -> dict:
        """JSON-ready: counts and shares (rounded to 0.1 %) per position, set, size and truth value."""

        def share(count: int, total: int) -> float:
            return round(count / total, 3) if total else 0.0

        return {
            "single": {
                "questions": self.single_count,
                "longest_option_right": round(float(self.longest / self.single_count), 3) if self.single_count else 0.0,
                "positions": {
                    key: {"count": count, "share": share(count, self.single_count)}
                    for key, count in self.single.items()
                },
            },
            "multiple": {
                "questions": self.multiple_count,
                "sets": {
                    ",".join(keys): {"count": count, "share": share(count, self.multiple_count)}
                    for keys, count in sorted(self.multiple.items(), key=lambda item: -item[1])
                },
                "sizes": {str(size): count for size, count in self.multiple_sizes.items()},
            },
            "true_false": {
                "questions": self.true + self.false,
                "true": self.true,
                "false": self.false,
                "true_share": share(self.true, self.true + self.false),
            },
            "problems": self.problems(),
        }


def answer_distribution(bank: QuestionBank) -> AnswerDistribution:
    """Count where `bank`'s right answers sit: single-choice positions, multiple-choice sets, true/false."""
    single: Counter[str] = Counter()
    fair: dict[str, Fraction] = {}
    longest = longest_fair = Fraction(0)
    multiple: Counter[str] = Counter()
    truths = Counter()
    singles = [question for question in bank.questions if question.type == "single"]
    for question in singles:
        # By place shown in the bank, not by key: a moved option keeps its key (see choices._choice_keys).
        single.update(positional_key(place) for place, choice in enumerate(question.choices) if choice.correct)
        for place in range(len(question.choices)):
            key = positional_key(place)
            fair[key] = fair.get(key, Fraction(0)) + Fraction(1, len(question.choices))
        most = max(len(choice.text) for choice in question.choices)
        picks = [choice for choice in question.choices if len(choice.text) == most]
        longest += Fraction(sum(choice.correct for choice in picks), len(picks))
        longest_fair += Fraction(1, len(question.choices))
    for question in bank.questions:
        if question.type == "multiple":
            multiple[
                "".join(positional_key(place) for place, choice in enumerate(question.choices) if choice.correct)
            ] += 1
        elif question.type == "true_false":
            truths[bool(question.truth)] += 1
    keys = sorted(fair)
    return AnswerDistribution(
        bank=bank.name,
        file=bank.path,
        single={key: single.get(key, 0) for key in keys},
        single_fair={key: fair[key] / len(singles) for key in keys},
        longest=longest,
        longest_fair=longest_fair / len(singles) if singles else Fraction(0),
        multiple=dict(multiple),
        true=truths[True],
        false=truths[False],
    )


def distribution_errors(banks: list[QuestionBank]) -> list[BankError]:
    """One error per bank and limit broken: right answers clustered on a position, a set or a truth value."""
    return [
        BankError(dist.file, None, f"题库 {dist.bank}：{message}")
        for dist in map(answer_distribution, banks)
        for message in dist.problems()
    ]


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
    result.errors += distribution_errors(result.banks)
    # Exam definitions (quizzes/exams/*.yaml): points total 100, the banks can fill every draw.
    from lms.exams.definitions import check_definitions

    result.errors += [BankError(file, None, message) for file, message in check_definitions(quizzes_dir, result.banks)]
    return result
