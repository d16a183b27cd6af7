"""Sales-process improvement suggestions (精神奖励: 提出1项销售流程优化建议并被采纳).

A rep submits a suggestion naming the guide clause it improves (a lesson's
clause id); their own manager, and nobody else, adopts or declines it with a
reason. Adoption writes a `suggestion_adopted` fact in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select

from lms.domain import DomainError
from lms.extensions import db
from lms.models import FactKind, Lesson, Suggestion, SuggestionStatus, User
from lms.record.service import append_fact

TITLE_MAX = 120
BODY_MAX = 5000
REASON_MAX = 2000


class SuggestionError(DomainError):
    """A suggestion or decision that cannot be recorded as given."""


class NotTheirManager(SuggestionError):
    """Someone other than the author's manager tried to decide (the view answers 403)."""


@dataclass(frozen=True)
class SuggestionData:
    """What the rep's form gives."""

    title: str
    body: str
    clause: str


def submit(data: SuggestionData, author: User, now: datetime) -> Suggestion:
    """Record a suggestion; raises SuggestionError for a missing title or text, or a clause no lesson has."""
    title, body, clause = data.title.strip(), data.body.strip(), data.clause.strip()
    if not title or len(title) > TITLE_MAX:
        raise SuggestionError(f"请填写标题（不超过 {TITLE_MAX} 个字）。", "title")
    if len(body) < 10 or len(body) > BODY_MAX:
        raise SuggestionError(f"请写明建议内容（10–{BODY_MAX} 个字）。", "body")
    lesson = (
        db.session.scalars(select(Lesson).where(Lesson.clause_id == clause, Lesson.retired_at.is_(None))).first()
        if clause
        else None
    )
    if lesson is None:
        raise SuggestionError(f"指南中没有条款「{clause or '（空）'}」：请填写所改进流程的条款号，如 3.2。", "clause")
    suggestion = Suggestion(author_id=author.id, title=title, body=body, clause=lesson.clause_id, created_at=now)
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


def may_decide(suggestion: Suggestion, user: User) -> bool:
    """Only the author's own manager decides (not HR, not another manager, not the author)."""
    return suggestion.author.manager_id == user.id and suggestion.author_id != user.id


def may_view(suggestion: Suggestion, user: User) -> bool:
    """The author, their manager, HR and admin."""
    return suggestion.author_id == user.id or may_decide(suggestion, user) or user.has_role("hr", "admin")


def decide(suggestion: Suggestion, manager: User, adopt: bool, reason: str, now: datetime) -> Suggestion:
    """Adopt or decline with a reason; adoption appends the `suggestion_adopted` fact (the last write).

    Raises NotTheirManager for anyone but the author's manager, and
    SuggestionError for a decided suggestion or a missing reason.
    """
    if not may_decide(suggestion, manager):
        raise NotTheirManager("只有建议人的直属主管可以处理这条建议。")
    if suggestion.status != SuggestionStatus.PENDING:
        raise SuggestionError("这条建议已经处理过了。")
    text = (reason or "").strip()
    if len(text) < 2 or len(text) > REASON_MAX:
        raise SuggestionError(f"请写明理由（2–{REASON_MAX} 个字）。", "reason")
    suggestion.status = SuggestionStatus.ADOPTED if adopt else SuggestionStatus.DECLINED
    suggestion.decided_by_id = manager.id
    suggestion.decided_at = now
    suggestion.decision_reason = text
    db.session.flush()
    if adopt:
        append_fact(
            FactKind.SUGGESTION_ADOPTED,
            subject_id=suggestion.author_id,
            occurred_at=now,
            source=f"suggestion:{suggestion.id}",
            payload=adopted_payload(suggestion),
            recorded_by_id=manager.id,
        )
    return suggestion


def adopted_payload(suggestion: Suggestion) -> dict:
    """The `suggestion_adopted` fact's payload (the facts contract)."""
    return {
        "suggestion_id": suggestion.id,
        "title": suggestion.title,
        "clause": suggestion.clause,
        "decided_by": suggestion.decided_by_id,
        "reason": suggestion.decision_reason,
    }


def mine(author: User):
    """A select of the author's suggestions, newest first."""
    return select(Suggestion).where(Suggestion.author_id == author.id).order_by(Suggestion.id.desc())


def of_people(condition: ColumnElement[bool]):
    """A select of the suggestions of people matching `condition` (on User): pending first, then newest."""
    pending_first = Suggestion.status != SuggestionStatus.PENDING.value
    return (
        select(Suggestion)
        .join(User, User.id == Suggestion.author_id)
        .where(condition)
        .order_by(pending_first, Suggestion.id.desc())
    )
