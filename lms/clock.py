"""The platform's one clock: UTC storage, the company's time zone, and China's working days.

Everything that asks "what time is it", "what day is it for the person" or
"how many working days" asks this module, so that:

- timestamps are stored as naive UTC on both databases (`now()`);
- every time a person sees, and every calendar-day count (due dates, days
  left, appeal windows, months of sharing sessions, quarters), uses one
  configured zone, ``LMS_TIMEZONE`` (default ``Asia/Shanghai``): a result
  published at 03:08 Beijing time on Wednesday counts from Wednesday, not
  from the server's UTC Tuesday;
- working days (7.4: appeals within 5 and 10 working days, the 面谈 within 3)
  follow China's statutory holidays and make-up working days (调休) from the
  maintained ``chinese-calendar`` package, adjusted by company-specific
  days in configuration (``COMPANY_HOLIDAYS``, ``COMPANY_WORKDAYS``: ISO
  dates). A date outside the years the package knows raises
  `CalendarUnknown` instead of guessing Monday to Friday, until either a
  newer chinese-calendar knows the year or the operator lists the year in
  ``COMPANY_CALENDAR_YEARS`` and enters that year's published schedule in
  the two lists (the State Council publishes it each November or December).

Tests move time by patching `now` (``monkeypatch.setattr(clock, "now", …)``):
every caller looks it up through the module at call time. The settings are
read from the current app when there is one, else the defaults apply, so
pure code and loaders can use this module without Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

DEFAULT_TIMEZONE = "Asia/Shanghai"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


class CalendarUnknown(ValueError):
    """A working-day question about a year the holiday calendar does not cover."""

    def __init__(self, day: date):
        self.day = day
        super().__init__(
            f"工作日历不包含 {day.year} 年（{day.isoformat()}）：请升级 chinese-calendar，"
            f"或在配置 COMPANY_CALENDAR_YEARS 中加入 {day.year}，"
            "并在 COMPANY_HOLIDAYS / COMPANY_WORKDAYS 中填入该年的放假与调休安排。"
        )


@dataclass(frozen=True)
class ClockSettings:
    """The zone and company calendar adjustments in force."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    company_holidays: frozenset[date] = frozenset()
    company_workdays: frozenset[date] = frozenset()
    # Years the library does not know yet whose schedule the configuration gives in full.
    company_years: frozenset[int] = frozenset()


def settings_from_config(config) -> ClockSettings:
    """Build `ClockSettings` from an app config mapping; a bad value raises ValueError."""
    name = config.get("TIMEZONE") or DEFAULT_TIMEZONE
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"LMS_TIMEZONE={name!r} 不是有效的时区名（例如 Asia/Shanghai）") from error
    holidays = _dates("COMPANY_HOLIDAYS", config.get("COMPANY_HOLIDAYS", ()))
    workdays = _dates("COMPANY_WORKDAYS", config.get("COMPANY_WORKDAYS", ()))
    if both := holidays & workdays:
        raise ValueError(f"COMPANY_HOLIDAYS 与 COMPANY_WORKDAYS 不能同时包含 {min(both).isoformat()}")
    return ClockSettings(
        zone=zone,
        company_holidays=holidays,
        company_workdays=workdays,
        company_years=_years(config.get("COMPANY_CALENDAR_YEARS", ())),
    )


def _items(values) -> list:
    # LMS_* variables arrive as JSON when they parse as JSON, else as a plain string "a, b c".
    if isinstance(values, str | int):
        return [part for part in str(values).replace(",", " ").split() if part]
    return list(values or ())


def _dates(key: str, values) -> frozenset[date]:
    found = set()
    for value in _items(values):
        if isinstance(value, datetime) or not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value))
            except ValueError as error:
                raise ValueError(f"{key} 中的 {value!r} 不是日期，应写作 2026-10-10 这样的 ISO 日期") from error
        found.add(value)
    return frozenset(found)


def _years(values) -> frozenset[int]:
    try:
        return frozenset(int(str(value)) for value in _items(values))
    except ValueError as error:
        raise ValueError(f"COMPANY_CALENDAR_YEARS 应为年份列表，如 [2027]：{values!r}") from error


def init_app(app) -> None:
    """Read the clock's settings once and offer `localtime` / `localdate` to templates."""
    app.extensions["lms_clock"] = settings_from_config(app.config)
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["localdate"] = format_local_date


def settings() -> ClockSettings:
    """The settings of the current app, or the defaults outside one."""
    # Imported here so that importing the clock (loaders, pure code) does not import Flask.
    from flask import current_app

    if current_app:
        found = current_app.extensions.get("lms_clock")
        if found is not None:
            return found
    return _DEFAULTS


_DEFAULTS = ClockSettings()


# --- now and today -------------------------------------------------------------------------


def now() -> datetime:
    """The current time as stored: naive UTC (both databases keep it the same way)."""
    return datetime.now(UTC).replace(tzinfo=None)


def zone() -> ZoneInfo:
    """The configured zone (``LMS_TIMEZONE``)."""
    return settings().zone


def to_local(moment: datetime) -> datetime:
    """A stored naive-UTC (or aware) time as an aware time in the configured zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def local_date(moment: datetime) -> date:
    """The calendar day a stored time falls on for the people using the platform."""
    return to_local(moment).date()


def today() -> date:
    """Today in the configured zone (never the server's UTC day)."""
    return local_date(now())


def from_local(moment: datetime) -> datetime:
    """A wall-clock time in the configured zone (naive or aware) as stored naive UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone())
    return moment.astimezone(UTC).replace(tzinfo=None)


def start_of_day(day: date) -> datetime:
    """Local midnight at the start of `day`, as stored naive UTC."""
    return from_local(datetime.combine(day, time.min))


def end_of_day(day: date) -> datetime:
    """The first stored instant after `day` has ended locally (exclusive bound)."""
    return start_of_day(day + timedelta(days=1))


def days_until(day: date) -> int:
    """Calendar days from today (local) to `day`; negative once it has passed."""
    return (day - today()).days


def quarter_of(day: date) -> str:
    """The quarter a local date belongs to, as ``2026-Q4``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def month_of(day: date) -> str:
    """The month a local date belongs to, as ``2026-12``."""
    return f"{day.year}-{day.month:02d}"


def format_local(moment: datetime | None, fmt: str = DATETIME_FORMAT) -> str:
    """A stored time as the person reads it, in the configured zone; "—" for none."""
    return to_local(moment).strftime(fmt) if moment else "—"


def format_local_date(moment: datetime | date | None) -> str:
    """A stored time's local day (or a date as it is), as ``YYYY-MM-DD``; "—" for none."""
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        return local_date(moment).isoformat()
    return moment.isoformat()


# --- working days --------------------------------------------------------------------------


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day: China's statutory calendar with 调休, then company days.

    Raises CalendarUnknown for a year the calendar does not cover, unless the
    company configuration names that very day or gives that year in full.
    """
    current = settings()
    if day in current.company_workdays:
        return True
    if day in current.company_holidays:
        return False
    try:
        return _statutory_working_day(day)
    except CalendarUnknown:
        if day.year not in current.company_years:
            raise
        return day.weekday() < 5  # the configured lists carry that year's holidays and 调休


@lru_cache(maxsize=4096)
def _statutory_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as error:
        raise CalendarUnknown(day) from error


def library_years() -> frozenset[int]:
    """The years the installed chinese-calendar has China's schedule for."""
    return frozenset(day.year for day in (*chinese_calendar.holidays, *chinese_calendar.workdays))


def covered_years() -> frozenset[int]:
    """The years working-day questions can be answered for: chinese-calendar's, plus COMPANY_CALENDAR_YEARS."""
    return library_years() | settings().company_years


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (`start` itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    while days > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` <= `start`)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
