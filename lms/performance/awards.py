"""Awards HR records (精神奖励: 年度「最佳新人」, 季度销冠, and others), each an `award` fact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from lms import clock
from lms.domain import DomainError
from lms.extensions import db
from lms.models import AWARD_KIND_LABELS, Award, AwardKind, FactKind, User
from lms.people.service import employee_no_key
from lms.performance.grade_file import parse_period
from lms.record.service import append_fact

CITATION_MAX = 2000
TITLE_MAX = 120
# The period each kind of award is for: 最佳新人 is yearly, 销冠 quarterly; others any.
PERIOD_KINDS = {AwardKind.BEST_NEWCOMER: "year", AwardKind.QUARTER_TOP_SALES: "quarter"}


class AwardError(DomainError):
    """An award that cannot be recorded as given."""


@dataclass(frozen=True)
class AwardData:
    """What HR's form gives."""

    employee_no: str
    kind: str
    title: str
    period: str
    awarded_on: date | None
    citation: str


def record_award(data: AwardData, hr: User, now: datetime) -> Award:
    """Record an award and its fact (the transaction's last write); flushes.

    Raises AwardError for an unknown person or kind, a period of the wrong
    kind (最佳新人: a year; 季度销冠: a quarter) or not yet begun, a date in
    the future or before the period, or a missing citation.
    """
    person = (
        db.session.scalars(select(User).where(User.employee_no.ilike(data.employee_no.strip()))).first()
        if data.employee_no.strip()
        else None
    )
    if person is None or employee_no_key(person.employee_no) != employee_no_key(data.employee_no):
        raise AwardError(f"工号 {data.employee_no.strip() or '（空）'} 不存在。", "employee_no")
    try:
        kind = AwardKind(data.kind)
    except ValueError:
        raise AwardError("请选择奖项类型。", "kind") from None
    try:
        period = parse_period(data.period)
    except ValueError as error:
        raise AwardError(str(error), "period") from None
    wanted = PERIOD_KINDS.get(kind)
    if wanted and period.kind != wanted:
        raise AwardError(
            f"{AWARD_KIND_LABELS[kind]}的期间应为{'年度（如 2026）' if wanted == 'year' else '季度（如 2026-Q3）'}。",
            "period",
        )
    today = clock.local_date(now)
    if data.awarded_on is None or data.awarded_on > today:
        raise AwardError("请填写颁奖日期（不能晚于今天）。", "awarded_on")
    if data.awarded_on < period.starts_on:
        raise AwardError(f"颁奖日期不能早于期间 {period.key} 的开始。", "awarded_on")
    title = (data.title or "").strip() or AWARD_KIND_LABELS[kind]
    if kind == AwardKind.OTHER and not (data.title or "").strip():
        raise AwardError("其他奖项请填写奖项名称。", "title")
    if len(title) > TITLE_MAX:
        raise AwardError(f"奖项名称不能超过 {TITLE_MAX} 个字。", "title")
    citation = (data.citation or "").strip()
    if len(citation) < 5 or len(citation) > CITATION_MAX:
        raise AwardError(f"请填写颁奖词（5–{CITATION_MAX} 个字）。", "citation")
    award = Award(
        user_id=person.id,
        kind=kind.value,
        title=title,
        period=period.key,
        awarded_on=data.awarded_on,
        citation=citation,
        recorded_by_id=hr.id,
        recorded_at=now,
    )
    db.session.add(award)
    db.session.flush()
    append_fact(
        FactKind.AWARD,
        subject_id=award.user_id,
        occurred_at=award_occurred_at(award),
        source=f"award:{award.id}",
        payload=award_payload(award),
        recorded_by_id=hr.id,
    )
    return award


def award_occurred_at(award: Award) -> datetime:
    """When the award happened, as stored time: the start of its local day."""
    return clock.start_of_day(award.awarded_on)


def award_payload(award: Award) -> dict:
    """The `award` fact's payload (the facts contract)."""
    return {
        "award": award.kind,
        "title": award.title,
        "period": award.period,
        "citation": award.citation,
        "awarded_on": award.awarded_on.isoformat(),
    }
