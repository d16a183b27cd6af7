"""The incentive rules' part of `lms content check`: load content/incentives.yaml against the course.

Files only, no app: the clause text comes from the course in the content
folder (a sub-clause such as 7.3.1 resolves to the lesson that holds it), and
the fact kinds from the ledger's list (`lms.models.record.FactKind`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lms.incentives.loader import INCENTIVES_FILE, RuleLoadError, Rules, load_rules, summary


@dataclass(frozen=True)
class IncentivesCheck:
    """The outcome: every problem ("file:line: message"), or the loaded rules and a summary line."""

    problems: tuple[str, ...]
    summary: str = ""
    rules: Rules | None = None


def clause_texts_with_subclauses(content_dir: str | Path) -> dict[str, str]:
    """Clause id -> lesson plain text, for every lesson's clause and each of its sub-clauses."""
    from lms.courses.loader import load_course

    texts = {}
    for lesson in load_course(Path(content_dir)).lessons:
        for clause in (lesson.clause_id, *lesson.subclauses):
            texts[clause] = lesson.plain_text
    return texts


def known_fact_kinds() -> frozenset[str]:
    """The kinds the ledger records."""
    from lms.models.record import FactKind

    return frozenset(kind.value for kind in FactKind)


def check_incentives_file(content_dir: str | Path) -> IncentivesCheck | None:
    """Check `content_dir`/incentives.yaml; None when the folder has none (e.g. a fresh build)."""
    file = Path(content_dir) / INCENTIVES_FILE
    if not file.exists():
        return None
    try:
        rules = load_rules(file, clause_texts_with_subclauses(content_dir), known_fact_kinds())
    except RuleLoadError as error:
        return IncentivesCheck(problems=tuple(str(problem) for problem in error.errors))
    return IncentivesCheck(problems=(), summary=summary(rules), rules=rules)
