"""Write loaded banks into the database: upsert by id, retire what disappeared, flag stale questions.

`sync_banks` flushes and never commits: the `lms quizzes sync` command
commits once at the end (or rolls back on `--dry-run`), so a sync is one
transaction and a failure leaves the database as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from lms.question_bank import loader
from lms.question_bank.normalise import normalise_for_quote
from lms.extensions import db
from lms.models import Question, QuestionBank, QuestionChoice, utcnow


@dataclass
class SyncReport:
    """What a sync did (or, on a dry run, would do), by question id."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    newly_stale: list[str] = field(default_factory=list)
    stale_total: int = 0
    banks: dict[str, str] = field(default_factory=dict)  # bank name -> created/updated/unchanged/retired

    @property
    def summary(self) -> str:
        return (f"新增 {len(self.created)} 题，更新 {len(self.updated)} 题，未变 {len(self.unchanged)} 题，"
                f"停用 {len(self.retired)} 题；待复核（条款已变） {self.stale_total} 题"
                + (f"，其中本次新增 {len(self.newly_stale)} 题" if self.newly_stale else ""))

    def as_dict(self) -> dict:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "retired": len(self.retired), "stale": self.stale_total, "newly_stale": self.newly_stale,
                "banks": self.banks}


def clause_hash(text: str) -> str:
    """Hash of a clause's text as the quote check sees it, so layout-only edits do not count."""
    return hashlib.sha256(normalise_for_quote(text).encode()).hexdigest()


def sync_banks(banks: list[loader.QuestionBank], clause_texts: Mapping[str, str]) -> SyncReport:
    """Upsert `banks` and their questions; retire banks and questions no longer present.

    `clause_texts` maps clause id to the lesson's plain text (see
    `check.clause_texts`). A question whose clause text differs from the text
    it was last reviewed against is flagged stale; editing the question (any
    change to its content, `reviewed` included) counts as reviewing it.
    Flushes, never commits.
    """
    report = SyncReport()
    now = utcnow()
    hashes = {clause: clause_hash(text) for clause, text in clause_texts.items()}
    existing_banks = {bank.name: bank for bank in db.session.scalars(select(QuestionBank))}
    existing = {question.key: question for question in db.session.scalars(select(Question))}
    seen: set[str] = set()
    for bank in banks:
        row = _upsert_bank(bank, existing_banks.get(bank.name), now, report)
        for position, question in enumerate(bank.questions):
            seen.add(question.id)
            _upsert_question(question, row, position, existing.get(question.id), hashes.get(question.clause), now, report)
    names = {bank.name for bank in banks}
    for name, row in existing_banks.items():
        if name not in names and row.retired_at is None:
            row.retired_at = now
            report.banks[name] = "retired"
    for key, row in existing.items():
        if key not in seen and row.retired_at is None:
            row.retired_at = now
            report.retired.append(key)
    db.session.flush()
    report.stale_total = db.session.scalar(
        select(db.func.count()).select_from(Question).where(Question.stale.is_(True), Question.retired_at.is_(None))
    )
    return report


def _upsert_bank(bank: loader.QuestionBank, row: QuestionBank | None, now, report: SyncReport) -> QuestionBank:
    if row is None:
        row = QuestionBank(name=bank.name, created_at=now)
        db.session.add(row)
        report.banks[bank.name] = "created"
    elif row.content_hash == bank.content_hash and row.retired_at is None:
        report.banks[bank.name] = "unchanged"
        return row
    else:
        report.banks[bank.name] = "updated"
    row.title, row.description, row.content_hash = bank.title, bank.description, bank.content_hash
    row.updated_at, row.retired_at = now, None
    db.session.flush()
    return row


def _upsert_question(question: loader.Question, bank: QuestionBank, position: int, row: Question | None,
                     current_clause_hash: str | None, now, report: SyncReport) -> None:
    if row is not None and row.content_hash == question.content_hash and row.retired_at is None:
        row.bank, row.position, row.source_file = bank, position, _file_name(question)
        report.unchanged.append(question.id)
        if current_clause_hash and row.clause_hash != current_clause_hash and not row.stale:
            row.stale = True
            report.newly_stale.append(question.id)
        return
    if row is None:
        row = Question(key=question.id, created_at=now)
        db.session.add(row)
        report.created.append(question.id)
    else:
        report.updated.append(question.id)
    row.bank, row.position, row.source_file = bank, position, _file_name(question)
    row.type, row.stem, row.text_format = question.type, question.stem, question.text_format
    row.points, row.clause, row.chapter = question.points, question.clause, question.chapter
    row.quote, row.explanation = question.quote, question.explanation
    row.dimension, row.level, row.tags = question.dimension, question.level, list(question.tags)
    row.answer, row.reviewed = question.answer_spec(), question.reviewed
    row.content_hash = question.content_hash
    # Written or edited now: reviewed against the clause as it reads today.
    row.clause_hash, row.stale = current_clause_hash, False
    row.updated_at, row.retired_at = now, None
    _sync_choices(row, question.choices, now)


def _file_name(question: loader.Question) -> str:
    return question.file.replace("\\", "/").rsplit("/", 1)[-1]


def _sync_choices(row: Question, choices: tuple[loader.Choice, ...], now) -> None:
    by_key = {choice.key: choice for choice in row.choices}
    for position, choice in enumerate(choices):
        target = by_key.pop(choice.key, None)
        if target is None:
            target = QuestionChoice(key=choice.key)
            row.choices.append(target)
        target.position, target.text, target.correct = position, choice.text, choice.correct
        target.weight, target.feedback, target.retired_at = choice.weight, choice.feedback, None
    for leftover in by_key.values():
        if leftover.retired_at is None:
            leftover.retired_at = now
