"""The one ledger question this package asks besides appending: a source's current fact of a kind."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.models import FactKind, RecordEntry


def current_fact(kind: FactKind, source: str) -> RecordEntry | None:
    """The entry of `kind` from `source` that no entry supersedes (the facts contract's "current"), or None."""
    later = aliased(RecordEntry)
    stmt = (
        select(RecordEntry)
        .where(
            RecordEntry.kind == kind.value,
            RecordEntry.source == source,
            ~select(later.seq).where(later.supersedes_seq == RecordEntry.seq).exists(),
        )
        .order_by(RecordEntry.seq.desc())
        .limit(1)
    )
    return db.session.scalars(stmt).first()
