"""Periods as the record writes them: "2026" (a year), "2026-Q3" (a quarter), "2026-07" (a month). Pure.

A fact's period (a performance grade's, an award's) and the period an
eligibility is evaluated for are both of this form; every question of the
incentive rules ("is this grade's period inside the evaluated one", "the three
quarters up to it") is answered here, on company-local calendar dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

PERIOD_KINDS = {"month": "月度", "quarter": "季度", "year": "年度"}
_YEAR = re.compile(r"(?P<year>\d{4})")
_QUARTER = re.compile(r"(?P<year>\d{4})-Q(?P<quarter>[1-4])")
_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])")


class PeriodError(ValueError):
    """Text that is not a period ("2026", "2026-Q3" or "2026-07"); the message is Chinese."""


@dataclass(frozen=True, order=True)
class Period:
    """A calendar span with both ends inclusive, and its name as the record writes it."""

    start: date
    end: date
    kind: str
    name: str

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """How people read it: 「2026 年」, 「2026-Q3」, 「2026-07」."""
        return f"{self.name} 年" if self.kind == "year" else self.name

    def contains(self, other: Period) -> bool:
        """True when `other` lies wholly inside this period (a month of this quarter, this year's quarters)."""
        return self.start <= other.start and other.end <= self.end

    def contains_day(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def year(self) -> Period:
        """The year this period falls in."""
        return parse_period(str(self.start.year))

    @property
    def last_quarter(self) -> Period:
        """The quarter holding this period's last day."""
        return quarter_of(self.end)


@lru_cache(maxsize=4096)
def parse_period(text: str) -> Period:
    """The period named by `text`; raises PeriodError for anything else.

    Cached (periods are immutable, and the report asks for the same few
    thousand times per page: the profile of bench_record_report.py had this
    as its top line).
    """
    text = (text or "").strip()
    if match := _YEAR.fullmatch(text):
        year = int(match["year"])
        return Period(date(year, 1, 1), date(year, 12, 31), "year", text)
    if match := _QUARTER.fullmatch(text):
        year, quarter = int(match["year"]), int(match["quarter"])
        start = date(year, 3 * quarter - 2, 1)
        return Period(start, _month_end(year, 3 * quarter), "quarter", text)
    if match := _MONTH.fullmatch(text):
        year, month = int(match["year"]), int(match["month"])
        return Period(date(year, month, 1), _month_end(year, month), "month", text)
    raise PeriodError(f"期间「{text}」无效，应写作 2026（年度）、2026-Q3（季度）或 2026-07（月度）")


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def quarter_of(day: date) -> Period:
    """The quarter holding `day`."""
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def previous_quarter(quarter: Period) -> Period:
    """The quarter before `quarter`."""
    return quarter_of(quarter.start - timedelta(days=1))


@lru_cache(maxsize=1024)
def trailing_quarters(period: Period, count: int) -> tuple[Period, ...]:
    """The `count` quarters ending with the one that holds `period`'s last day, oldest first."""
    quarters = [period.last_quarter]
    while len(quarters) < count:
        quarters.append(previous_quarter(quarters[-1]))
    return tuple(reversed(quarters))


def last_completed_quarter(today: date) -> Period:
    """The latest quarter that has ended by `today`: the default period to evaluate."""
    return previous_quarter(quarter_of(today))
