"""A person's record as pages show it: the timeline of their facts, and the log of who looked at it (issue 14, 8)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import selectinload

from lms import clock
from lms.extensions import db
from lms.incentives.periods import Period
from lms.models import FactKind, RecordEntry, RecordView, User

VIEW_WHAT = {"record": "档案页", "fact": "档案记录详情", "export": "导出报表", "confirmation": "资格确认详情"}


@dataclass(frozen=True)
class TimelineFilter:
    """What the timeline shows: one kind or all (""), and a period or all (None)."""

    kind: str = ""
    period: Period | None = None


def timeline(person_id: int, wanted: TimelineFilter) -> Select:
    """The person's facts, newest first (the page paginates), with who recorded each loaded alongside."""
    stmt = (
        select(RecordEntry)
        .where(RecordEntry.subject_id == person_id)
        .options(selectinload(RecordEntry.recorded_by))
        .order_by(RecordEntry.seq.desc())
    )
    if wanted.kind:
        stmt = stmt.where(RecordEntry.kind == FactKind(wanted.kind).value)
    if wanted.period is not None:
        stmt = stmt.where(
            RecordEntry.occurred_at >= clock.start_of_day(wanted.period.start),
            RecordEntry.occurred_at < clock.end_of_day(wanted.period.end),
        )
    return stmt


def superseded_by(seqs: list[int]) -> dict[int, int]:
    """For the given entries, which later entry corrects each (seq -> correcting seq): one query."""
    if not seqs:
        return {}
    rows = db.session.execute(
        select(RecordEntry.supersedes_seq, RecordEntry.seq).where(RecordEntry.supersedes_seq.in_(seqs))
    )
    return {old: new for old, new in rows}


def log_views(viewer: User, subject_ids, what: str) -> None:
    """Record that `viewer` looked at each of `subject_ids`' records (their own is not logged); one statement."""
    rows = [
        {"subject_id": subject_id, "viewer_id": viewer.id, "viewer_name": viewer.name, "what": what, "at": clock.now()}
        for subject_id in dict.fromkeys(subject_ids)
        if subject_id != viewer.id
    ]
    if rows:
        db.session.execute(insert(RecordView), rows)


def views_of(person_id: int) -> Select:
    """Who looked at the person's record, newest first (the page paginates)."""
    return (
        select(RecordView)
        .where(RecordView.subject_id == person_id)
        .order_by(RecordView.at.desc(), RecordView.id.desc())
    )
