"""The workflow clock: calendar months, working days, holidays, pauses; no database."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.errors import ValidationFailed
from registry.workflow.calendar import Calendar, Period, resume_due

UTC = dt.UTC


def at(y, m, d, hh=10, tz=UTC):
    return dt.datetime(y, m, d, hh, tzinfo=tz)


def test_a_month_is_a_calendar_month_and_the_end_of_january_lands_on_february_28():
    cal = Calendar()
    assert cal.add(at(2026, 3, 10), Period(months=1)) == at(2026, 4, 10)
    # 2026-02-28 is a Saturday: the due date moves on to Monday 2 March.
    assert cal.add(at(2026, 1, 31), Period(months=1)) == at(2026, 3, 2)
    assert cal.add(at(2027, 1, 29), Period(months=1)) == at(2027, 3, 1)


def test_a_due_date_on_a_weekend_or_holiday_moves_to_the_next_working_day():
    cal = Calendar.from_settings(["2026-10-01", "2026-10-02", "2026-10-05"])
    # 1 Sept + 1 month = Thu 1 Oct, a holiday; Fri 2 Oct too; then a weekend; Mon 5 Oct too.
    assert cal.add(at(2026, 9, 1), Period(months=1)) == at(2026, 10, 6)


def test_working_days_skip_weekends_and_holidays():
    cal = Calendar.from_settings(["2026-12-25"])
    # Wed 23 Dec + 3 working days: Thu 24, (Fri 25 holiday), (weekend), Mon 28, Tue 29.
    assert cal.add_working_days(at(2026, 12, 23), 3) == at(2026, 12, 29)
    assert cal.working_days_between(at(2026, 12, 23), at(2026, 12, 29)) == 3
    assert cal.working_days_between(at(2026, 12, 29), at(2026, 12, 23)) == -3


def test_the_default_slas_follow_the_gigabit_infrastructure_act():
    cal = Calendar()
    start = at(2026, 5, 4)  # a Monday
    assert cal.due("share_request", start) == at(2026, 6, 4)
    assert cal.due("build_request", start) == at(2026, 9, 4)


def test_local_dates_decide_what_a_working_day_is():
    shanghai = Calendar.from_settings(["2026-10-01"], timezone="Asia/Shanghai")
    # 30 Sept 20:00 UTC is already 1 Oct (a holiday) in Beijing time.
    assert not shanghai.is_working_day(dt.date(2026, 10, 1))
    start = dt.datetime(2026, 8, 31, 20, tzinfo=UTC)  # 1 Sept 04:00 in Shanghai
    due = shanghai.add(start, Period(months=1))
    assert due.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2026, 10, 2)


def test_a_pause_moves_the_due_date_by_exactly_the_time_the_clock_stood_still():
    due = at(2026, 9, 4)
    paused, resumed = at(2026, 6, 1, 9), at(2026, 6, 11, 15)
    assert resume_due(due, paused, resumed) == due + dt.timedelta(days=10, hours=6)
    assert resume_due(due, resumed, paused) == due  # clocks never run backwards


def test_a_holiday_that_is_not_a_date_is_refused():
    with pytest.raises(ValidationFailed, match="holidays"):
        Calendar.from_settings(["1 October"])
