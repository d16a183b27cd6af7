"""The one clock: the configured zone, today at 19:xx UTC, China's working days with 调休, and no other clock."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lms import clock, create_app

LMS = Path(__file__).resolve().parent.parent / "lms"


@pytest.fixture
def at(monkeypatch):
    """at(utc_datetime) freezes clock.now() there (naive UTC, as stored)."""

    def freeze(moment: datetime) -> datetime:
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return freeze


def test_stored_utc_is_shown_in_beijing_time():
    stored = datetime(2026, 12, 1, 19, 8)  # naive UTC, as the database keeps it
    assert clock.to_local(stored).isoformat() == "2026-12-02T03:08:00+08:00"
    assert clock.format_local(stored) == "2026-12-02 03:08"
    assert clock.format_local_date(stored) == "2026-12-02"
    assert clock.format_local_date(date(2026, 12, 1)) == "2026-12-01"
    assert clock.format_local(None) == clock.format_local_date(None) == "—"
    assert clock.from_local(datetime(2026, 12, 2, 3, 8)) == stored
    assert clock.from_local(datetime(2026, 12, 2, 3, 8, tzinfo=UTC)) == datetime(2026, 12, 2, 3, 8)


def test_today_at_1930_utc_is_the_next_local_day(at):
    at(datetime(2026, 12, 1, 19, 30))
    assert clock.today() == date(2026, 12, 2)
    assert clock.days_until(date(2026, 12, 9)) == 7
    assert clock.start_of_day(date(2026, 12, 2)) == datetime(2026, 12, 1, 16, 0)
    assert clock.end_of_day(date(2026, 12, 2)) == datetime(2026, 12, 2, 16, 0)
    at(datetime(2026, 12, 1, 15, 59))
    assert clock.today() == date(2026, 12, 1)


def test_quarter_and_month_follow_the_local_day(at):
    at(datetime(2026, 12, 31, 16, 30))  # 2027-01-01 00:30 in Beijing
    assert clock.quarter_of(clock.today()) == "2027-Q1"
    assert clock.month_of(clock.today()) == "2027-01"


def test_the_configured_zone_is_used_inside_an_app(app, at):
    app.extensions["lms_clock"] = clock.settings_from_config({"TIMEZONE": "Europe/Berlin"})
    at(datetime(2026, 12, 1, 19, 30))
    with app.app_context():
        assert clock.today() == date(2026, 12, 1)
        assert clock.format_local(datetime(2026, 12, 1, 19, 30)) == "2026-12-01 20:30"
    assert clock.today() == date(2026, 12, 2)  # outside an app: the default zone


def test_templates_have_the_local_filters(app):
    with app.app_context():
        template = app.jinja_env.from_string("{{ t|localtime }} / {{ t|localdate }}")
        assert template.render(t=datetime(2026, 12, 1, 19, 8)) == "2026-12-02 03:08 / 2026-12-02"


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 9, 30), True),  # Wednesday before 国庆
        (date(2026, 10, 1), False),
        (date(2026, 10, 5), False),  # a Monday inside the holiday
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday made a working day (调休)
        (date(2026, 10, 11), False),  # an ordinary Sunday
        (date(2026, 9, 20), True),  # Sunday made a working day (调休)
        (date(2026, 2, 14), True),  # Saturday before 春节, a working day (调休)
        (date(2026, 2, 16), False),  # 除夕 week, Monday
        (date(2026, 2, 23), False),  # last day of the 春节 holiday, a Monday
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # Saturday after 春节, a working day (调休)
    ],
)
def test_working_days_follow_chinas_statutory_calendar(day, working):
    assert clock.is_working_day(day) is working


def test_working_day_arithmetic_around_national_day():
    # Published 09-30: the 5 working days are 10-08, 10-09, 10-10 (Saturday, 调休), 10-12, 10-13.
    assert clock.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)
    assert clock.working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    # Published 02-13 (Friday): 02-14 (Saturday, 调休), then 02-24 after the holiday.
    assert clock.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert clock.add_working_days(date(2026, 2, 13), 0) == date(2026, 2, 13)
    with pytest.raises(ValueError):
        clock.add_working_days(date(2026, 2, 13), -1)


def test_a_result_published_at_0308_beijing_counts_from_that_local_day(at):
    at(datetime(2026, 12, 1, 19, 8))  # Tuesday in UTC, Wednesday 03:08 in Beijing
    assert clock.add_working_days(clock.today(), 5) == date(2026, 12, 9)


def test_company_days_from_configuration(app):
    app.extensions["lms_clock"] = clock.settings_from_config(
        {"COMPANY_HOLIDAYS": ["2026-12-31"], "COMPANY_WORKDAYS": "2026-12-05, 2026-10-03"}
    )
    with app.app_context():
        assert clock.is_working_day(date(2026, 12, 31)) is False  # a Thursday the company gives off
        assert clock.is_working_day(date(2026, 12, 5)) is True  # a Saturday the company works
        assert clock.is_working_day(date(2026, 10, 3)) is True
    with pytest.raises(ValueError, match="COMPANY_HOLIDAYS 中的 '2026-13-01' 不是日期"):
        clock.settings_from_config({"COMPANY_HOLIDAYS": ["2026-13-01"]})
    with pytest.raises(ValueError, match="不能同时包含 2026-12-31"):
        clock.settings_from_config({"COMPANY_HOLIDAYS": ["2026-12-31"], "COMPANY_WORKDAYS": ["2026-12-31"]})


def test_a_year_the_calendar_does_not_know_is_an_error(app):
    with pytest.raises(clock.CalendarUnknown, match="工作日历不包含 2030 年"):
        clock.is_working_day(date(2030, 5, 6))
    with pytest.raises(clock.CalendarUnknown):
        clock.add_working_days(date(2030, 1, 1), 3)
    app.extensions["lms_clock"] = clock.settings_from_config(
        {"COMPANY_CALENDAR_YEARS": [2030], "COMPANY_HOLIDAYS": ["2030-05-01", "2030-05-02"]}
    )
    with app.app_context():
        assert clock.is_working_day(date(2030, 5, 6)) is True  # a Monday of a year given in full
        assert clock.is_working_day(date(2030, 5, 2)) is False
        assert clock.is_working_day(date(2030, 5, 4)) is False  # a Saturday
        with pytest.raises(clock.CalendarUnknown):
            clock.is_working_day(date(2031, 5, 6))


def test_a_company_day_in_an_unknown_year_needs_no_library_data(app):
    app.extensions["lms_clock"] = clock.settings_from_config({"COMPANY_WORKDAYS": ["2030-01-05"]})
    with app.app_context():
        assert clock.is_working_day(date(2030, 1, 5)) is True


@pytest.mark.parametrize("name", ["Mars/Olympus", "../etc/passwd", "UTC+8"])
def test_a_bad_timezone_is_refused_at_start_up(monkeypatch, name):
    monkeypatch.setenv("LMS_TIMEZONE", name)
    with pytest.raises(ValueError, match=re.escape(f"LMS_TIMEZONE={name!r} 不是有效的时区名")):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})


def test_the_zone_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("LMS_TIMEZONE", "Asia/Tokyo")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with app.app_context():
        assert clock.format_local(datetime(2026, 12, 1, 19, 8)) == "2026-12-02 04:08"


# --- no other clock --------------------------------------------------------------------------

FORBIDDEN = {
    "date.today()": re.compile(r"\bdate\.today\("),
    "datetime.today()": re.compile(r"\bdatetime\.today\("),
    "datetime.now()": re.compile(r"\bdatetime\.now\("),
    "datetime.utcnow()": re.compile(r"\bdatetime\.utcnow\("),
    "fromtimestamp()": re.compile(r"fromtimestamp\("),
    "time.time() / time.localtime()": re.compile(r"\btime\.(time|localtime|gmtime|mktime|strftime)\("),
    "timedelta(hours=8)": re.compile(r"timedelta\(\s*hours\s*=\s*\+?8\s*\)"),
    "a fixed-offset zone": re.compile(r"timezone\(\s*timedelta\("),
    "+08:00": re.compile(r"[+]0?8:?00\b"),
    "astimezone() to the server's zone": re.compile(r"\.astimezone\(\s*\)"),
}


def _python_sources():
    for path in sorted(LMS.rglob("*.py")):
        if path != LMS / "clock.py" and "migrations" not in path.parts:
            yield path


def test_no_module_but_lms_clock_reads_the_clock_or_fixes_an_offset():
    found = []
    for path in _python_sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name, pattern in FORBIDDEN.items():
                if pattern.search(line.replace("datetime.datetime", "datetime")):
                    found.append(f"{path.relative_to(LMS.parent)}:{number}: {name}: {line.strip()}")
    assert not found, "ask lms.clock instead:\n" + "\n".join(found)


def test_utcnow_helper_is_the_clock():
    """lms.models.utcnow stays a thin alias of clock.now (tests freeze clock.now)."""
    from lms.models import utcnow

    moment = datetime(2026, 12, 1, 19, 30)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now", lambda: moment)
        assert utcnow() == moment


def test_templates_show_times_through_the_local_filters():
    found = []
    for path in sorted((LMS / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ".strftime(" in line or re.search(r"\d\s*UTC|}}\s*UTC", line):
                found.append(f"{path.relative_to(LMS)}:{number}: {line.strip()}")
    assert not found, "use |localtime or |localdate:\n" + "\n".join(found)


def test_the_forbidden_patterns_catch_what_they_name():
    samples = {
        "date.today()": "today = date.today()",
        "datetime.now()": "stamp = datetime.now(UTC)",
        "timedelta(hours=8)": "LOCAL = timezone(timedelta(hours=8))",
        "+08:00": 'text = "2026-12-01T09:00:00+08:00"',
        "astimezone() to the server's zone": "moment.astimezone()",
    }
    for name, sample in samples.items():
        assert FORBIDDEN[name].search(sample), name
    assert not FORBIDDEN["+08:00"].search('"2026-12-01 09:00"')
    assert FORBIDDEN["datetime.utcnow()"].search("datetime.datetime.utcnow()".replace("datetime.datetime", "datetime"))


def test_setup_names_the_calendar_years_and_warns_about_a_missing_one(app, at, capsys):
    from lms.commands import _warn_about_the_calendar

    at(datetime(2026, 12, 1, 19, 30))
    with app.app_context():
        assert {2004, 2026} <= clock.covered_years() and 2030 not in clock.covered_years()
        _warn_about_the_calendar()
        app.extensions["lms_clock"] = clock.settings_from_config({"COMPANY_CALENDAR_YEARS": "2027"})
        assert 2027 in clock.covered_years()
        _warn_about_the_calendar()
    first, second = capsys.readouterr().out.split("工作日历（")[1:]
    library = clock.library_years()
    assert f"chinese-calendar {min(library)}–{max(library)} 年" in first
    if 2027 not in clock.library_years():
        assert "尚不包含 2027 年" in first
    assert "公司配置：2027 年" in second and "尚不包含" not in second
