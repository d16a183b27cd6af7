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

from lms import clock
from lms.extensions import db
from lms.models import Question, QuestionBank, QuestionChoice
from lms.question_bank import loader
from lms.question_bank.normalise import normalise_for_quote
from lms.sync import SyncReport, Upsert, retired_at_marks, upsert_and_retire


@dataclass
class BankSyncReport(SyncReport):
    """What a bank sync did, by question id; plus stale questions and each bank's fate."""

    noun: str = "题"
    newly_stale: list[str] = field(default_factory=list)
    stale_total: int = 0
    banks: dict[str, str] = field(default_factory=dict)  # bank name -> created/updated/unchanged/retired

    @property
    def summary(self) -> str:
        return (
            super().summary
            + f"；待复核（条款已变） {self.stale_total} 题"
            + (f"，其中本次新增 {len(self.newly_stale)} 题" if self.newly_stale else "")
        )

    def as_dict(self) -> dict:
        return {**super().as_dict(), "stale": self.stale_total, "newly_stale": self.newly_stale, "banks": self.banks}


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
    report = BankSyncReport()
    now = clock.now()
    hashes = {clause: clause_hash(text) for clause, text in clause_texts.items()}
    bank_rows = _sync_bank_rows(banks, now, report)
    existing = {question.key: question for question in db.session.scalars(select(Question))}
    incoming = (
        (question.id, (question, bank_rows[bank.name], position))
        for bank in banks
        for position, question in enumerate(bank.questions)
    )

    def keep(row: Question, item) -> None:
        question, bank_row, position = item
        row.bank, row.position, row.source_file = bank_row, position, _file_name(question)
        current = hashes.get(question.clause)
        if current and row.clause_hash != current and not row.stale:
            row.stale = True
            report.newly_stale.append(question.id)

    def create(key: str, item) -> None:
        row = Question(key=key, created_at=now)
        db.session.add(row)
        write(row, item)

    def write(row: Question, item) -> None:
        question, bank_row, position = item
        _write_question(row, question, bank_row, position, hashes.get(question.clause), now)

    how = Upsert(
        unchanged=lambda row, item: row.content_hash == item[0].content_hash,
        create=create,
        update=write,
        **retired_at_marks(now),
        keep=keep,
    )
    upsert_and_retire(existing, incoming, how, report)
    db.session.flush()
    report.stale_total = db.session.scalar(
        select(db.func.count()).select_from(Question).where(Question.stale.is_(True), Question.retired_at.is_(None))
    )
    return report


def _sync_bank_rows(banks: list[loader.QuestionBank], now, report: BankSyncReport) -> dict[str, QuestionBank]:
    """Upsert and retire the bank rows; note each bank's fate in `report.banks`; return rows by name."""
    existing = {bank.name: bank for bank in db.session.scalars(select(QuestionBank))}
    rows = dict(existing)

    def create(name: str, bank: loader.QuestionBank) -> None:
        rows[name] = QuestionBank(name=name, created_at=now)
        db.session.add(rows[name])
        write(rows[name], bank)

    def write(row: QuestionBank, bank: loader.QuestionBank) -> None:
        row.title, row.description, row.content_hash = bank.title, bank.description, bank.content_hash
        row.updated_at = now

    how = Upsert(
        unchanged=lambda row, bank: row.content_hash == bank.content_hash,
        create=create,
        update=write,
        **retired_at_marks(now),
    )
    fate = upsert_and_retire(existing, ((bank.name, bank) for bank in banks), how, SyncReport(noun="个题库"))
    for state in ("created", "updated", "unchanged", "retired"):
        report.banks.update(dict.fromkeys(getattr(fate, state), state))
    db.session.flush()
    return rows


def _write_question(
    row: Question, question: loader.Question, bank: QuestionBank, position: int, current_clause_hash: str | None, now
) -> None:
    row.bank, row.position, row.source_file = bank, position, _file_name(question)
    row.type, row.stem, row.text_format = question.type, question.stem, question.text_format
    row.points, row.clause, row.chapter = question.points, question.clause, question.chapter
    row.quote, row.explanation = question.quote, question.explanation
    row.dimension, row.level, row.tags = question.dimension, question.level, list(question.tags)
    row.answer, row.reviewed = question.answer_spec(), question.reviewed
    row.content_hash = question.content_hash
    # Written or edited now: reviewed against the clause as it reads today.
    row.clause_hash, row.stale = current_clause_hash, False
    row.updated_at = now
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
