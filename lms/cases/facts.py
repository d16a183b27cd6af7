"""Case reviews and sharing sessions in the development-incentive record (issue 14, 2).

Three kinds of fact, each written in the transaction of the change it records:

- `case_review_published` (source ``case_review:<id>``), about the author,
  when a manager publishes a version; a later version published supersedes it;
- `case_rating_summary` (same source, another kind), about the author, once
  the case has ratings from 3 distinct colleagues: the mean of their scores at
  that moment, which later ratings do not change;
- `sharing_attended` (source ``sharing_attendance:<session id>-<person id>``),
  about each person marked as having come to a monthly 经验分享会; a renamed or
  re-dated session supersedes its facts, and unmarking a person (or taking them
  off the list) appends a withdrawal (``"withdrawn": true``) over their fact.

`expected_facts` recomputes all three from the source tables for
`lms record rebuild --check`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import FactKind, User
from lms.models.cases import RATING_CRITERIA, CaseRating, CaseReview, CaseVersion, SharingAttendance, SharingSession
from lms.record import service as record

FACT_KINDS = (FactKind.CASE_REVIEW_PUBLISHED, FactKind.CASE_RATING_SUMMARY, FactKind.SHARING_ATTENDED)
SUMMARY_RATERS = 3
CENTS = Decimal("0.01")
RATING_CRITERIA_COLUMNS = [getattr(CaseRating, name) for name in RATING_CRITERIA]


# --- publication ---


def case_source(case_id: int) -> str:
    """The ledger source of a case's facts."""
    return f"case_review:{case_id}"


def published_fact(case_id: int, author_id: int, title: str, version: int, published_at, first_published_at, by):
    """The case_review_published fact of a case's published version (plain values: the backfill uses it too)."""
    return record.NewFact(
        FactKind.CASE_REVIEW_PUBLISHED,
        subject_id=author_id,
        source=case_source(case_id),
        occurred_at=published_at,
        payload={
            "case_id": case_id,
            "title": title,
            "version": version,
            "published_on": clock.local_date(published_at).isoformat(),
            "first_published_on": clock.local_date(first_published_at or published_at).isoformat(),
        },
        recorded_by_id=by,
    )


def record_published(case: CaseReview, reviewer: User) -> None:
    """After `case` was published (flushed): its publication fact, and its rating summary's new title if any."""
    version = case.published
    facts = [
        published_fact(
            case.id,
            case.author_id,
            version.title,
            version.number,
            case.published_at,
            case.first_published_at,
            reviewer.id,
        )
    ]
    summary = summary_fact(case.id, case.author_id, version.title, _ratings_of([case.id]).get(case.id, []))
    record.record_current(facts + ([summary] if summary else []))


# --- ratings ---


def serialise_ratings(case: CaseReview) -> None:
    """Take the case's row lock before a rating is written (PostgreSQL; SQLite's writers already queue).

    Ratings of one case then commit in the order their ids were given, which
    is the order the summary is computed in, live and by the rebuild.
    """
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(select(CaseReview.id).where(CaseReview.id == case.id).with_for_update())


def summary_at_third_rater(ratings: Iterable) -> tuple[object, Decimal] | None:
    """(the rating that brought the case to 3 distinct raters, the mean score then), or None.

    `ratings` are all rating rows of one case in id order (a changed rating is
    a new row replacing the rater's older one). The mean is over the current
    ratings of those 3 raters at that moment, all criteria alike (1–5), to 2 places.
    """
    current: dict[int, object] = {}
    for rating in ratings:
        current[rating.rater_id] = rating
        if len(current) == SUMMARY_RATERS:
            scores = [getattr(row, name) for row in current.values() for name in RATING_CRITERIA]
            return rating, (Decimal(sum(scores)) / len(scores)).quantize(CENTS, rounding=ROUND_HALF_UP)
    return None


def summary_fact(case_id: int, author_id: int, title: str, ratings: list) -> record.NewFact | None:
    """The case_rating_summary fact from all of a case's rating rows in id order; None below 3 raters."""
    found = summary_at_third_rater(ratings)
    if found is None:
        return None
    rating, mean = found
    return record.NewFact(
        FactKind.CASE_RATING_SUMMARY,
        subject_id=author_id,
        source=case_source(case_id),
        occurred_at=rating.created_at,
        payload={"case_id": case_id, "title": title, "raters": SUMMARY_RATERS, "mean": mean},
    )


def _ratings_of(case_ids: list[int] | None) -> dict[int, list]:
    stmt = select(
        CaseRating.id, CaseRating.case_id, CaseRating.rater_id, CaseRating.created_at, *RATING_CRITERIA_COLUMNS
    ).order_by(CaseRating.case_id, CaseRating.id)
    if case_ids is not None:
        stmt = stmt.where(CaseRating.case_id.in_(case_ids))
    found: dict[int, list] = {}
    for row in db.session.execute(stmt):
        found.setdefault(row.case_id, []).append(row)
    return found


def record_rating(case: CaseReview) -> None:
    """After a rating of `case` was stored (flushed): its summary fact, once 3 distinct colleagues rated it."""
    summary = summary_fact(case.id, case.author_id, case.published.title, _ratings_of([case.id]).get(case.id, []))
    if summary is not None:
        record.record_current([summary])


# --- sharing sessions ---


def attendance_source(session_id: int, user_id: int) -> str:
    """The ledger source of one person's attendance at one sharing session."""
    return f"sharing_attendance:{session_id}-{user_id}"


def _attendance_payload(session_id: int, title: str, month: str, held_on: date | None) -> dict:
    return {"session_id": session_id, "title": title, "month": month, "held_on": held_on}


def _attendance_time(month: str, held_on: date | None) -> datetime:
    # The day it was held (local midnight, stored as UTC), or the month's first day while no date is set.
    return clock.start_of_day(held_on or date.fromisoformat(month + "-01"))


def attendance_fact(
    session_id: int, user_id: int, title: str, month: str, held_on: date | None, by: int | None = None
) -> record.NewFact:
    """The sharing_attended fact of one person who came to a session."""
    return record.NewFact(
        FactKind.SHARING_ATTENDED,
        subject_id=user_id,
        source=attendance_source(session_id, user_id),
        occurred_at=_attendance_time(month, held_on),
        payload=_attendance_payload(session_id, title, month, held_on),
        recorded_by_id=by,
    )


def record_session(session: SharingSession, manager: User) -> None:
    """After a sharing session was saved (flushed): a fact per person who came, withdrawals for the rest."""
    payload = _attendance_payload(session.id, session.title, session.month, session.held_on)
    attended = {row.user_id for row in session.attendance_rows if row.attended}
    prefix = attendance_source(session.id, 0)[:-1]
    recorded = {
        int(source.removeprefix(prefix)): fact
        for source, fact in record.current_facts(FactKind.SHARING_ATTENDED, prefix=prefix).items()
    }
    facts = [
        attendance_fact(session.id, user_id, session.title, session.month, session.held_on, manager.id)
        for user_id in sorted(attended)
    ]
    facts += [
        record.NewFact(
            FactKind.SHARING_ATTENDED,
            subject_id=user_id,
            source=attendance_source(session.id, user_id),
            occurred_at=clock.now(),
            payload={**payload, "withdrawn": True},
            recorded_by_id=manager.id,
            withdrawn_only=True,
        )
        for user_id in sorted(set(recorded) - attended)
    ]
    record.record_current(facts)


# --- rebuild ---


def expected_facts() -> Iterator[dict]:
    """For `lms record rebuild --check`: publications, rating summaries and attendances as the tables say."""
    published = db.session.execute(
        select(
            CaseReview.id,
            CaseReview.author_id,
            CaseReview.published_at,
            CaseReview.first_published_at,
            CaseVersion.title,
            CaseVersion.number,
        )
        .join(CaseVersion, (CaseVersion.case_id == CaseReview.id) & (CaseVersion.number == CaseReview.published_number))
        .order_by(CaseReview.id)
    ).all()
    ratings = _ratings_of(None)
    for case_id, author_id, published_at, first_published_at, title, number in published:
        facts = [published_fact(case_id, author_id, title, number, published_at, first_published_at, None)]
        summary = summary_fact(case_id, author_id, title, ratings.get(case_id, []))
        for fact in facts + ([summary] if summary else []):
            yield as_dict(fact)
    attendances = db.session.execute(
        select(
            SharingAttendance.user_id,
            SharingSession.id,
            SharingSession.title,
            SharingSession.month,
            SharingSession.held_on,
        )
        .join(SharingSession, SharingAttendance.session_id == SharingSession.id)
        .where(SharingAttendance.attended.is_(True))
        .order_by(SharingSession.id, SharingAttendance.user_id)
    )
    for user_id, session_id, title, month, held_on in attendances:
        yield as_dict(attendance_fact(session_id, user_id, title, month, held_on))


def as_dict(fact: record.NewFact) -> dict:
    """A NewFact as the dict a provider yields (kind, subject_id, source, occurred_at, payload)."""
    return {
        "kind": fact.kind,
        "subject_id": fact.subject_id,
        "source": fact.source,
        "occurred_at": fact.occurred_at,
        "payload": fact.payload,
    }
