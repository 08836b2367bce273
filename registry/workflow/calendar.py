"""The workflow clock: calendar months and working days (with holidays), SLAs and pauses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from registry.errors import ValidationFailed


@dataclass(frozen=True)
class Period:
    """A span of time as the rules state it: calendar months, calendar days, working days."""

    months: int = 0
    days: int = 0
    working_days: int = 0


# Modelled on the EU Gigabit Infrastructure Act (Reg. 2024/1309): an owner answers a request
# for access within one month (Art. 3(5)); a permit authority decides within four months
# (Art. 7(3)). A request for missing information stops the clock until it is answered.
DEFAULT_SLAS: dict[str, Period] = {
    "share_request": Period(months=1),
    "build_request": Period(months=4),
}


@dataclass(frozen=True)
class Calendar:
    """Working days of one jurisdiction: weekdays minus holidays, dated in `timezone`.

    A due date that falls on a weekend or holiday moves to the next working day, as
    deadlines in law usually do (e.g. EU Reg. 1182/71 Art. 3(4)).
    """

    holidays: frozenset[dt.date] = frozenset()
    weekend: frozenset[int] = frozenset({5, 6})  # Monday is 0
    timezone: str = "UTC"
    slas: dict[str, Period] = field(default_factory=lambda: dict(DEFAULT_SLAS), compare=False)

    @classmethod
    def from_settings(cls, holidays: Iterable = (), timezone: str = "UTC") -> Calendar:
        """A calendar from config values: holidays as ISO dates ("2026-10-01") or dates."""
        days = set()
        for value in holidays or ():
            try:
                days.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(value))
            except (TypeError, ValueError):
                raise ValidationFailed("holidays", f"{value!r} is not an ISO date") from None
        return cls(holidays=frozenset(days), timezone=timezone)

    @property
    def _tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def roll_forward(self, when: dt.datetime) -> dt.datetime:
        """`when`, or the same local time on the next working day when `when` is not one."""
        local = when.astimezone(self._tz)
        for _ in range(366):
            if self.is_working_day(local.date()):
                return local.astimezone(dt.UTC)
            local = _add_local(local, relativedelta(days=1))
        raise ValidationFailed("holidays", "the calendar has no working day within a year")

    def add_working_days(self, when: dt.datetime, n: int) -> dt.datetime:
        """The same local time `n` working days later (n >= 0)."""
        local = when.astimezone(self._tz)
        while n > 0:
            local = _add_local(local, relativedelta(days=1))
            if self.is_working_day(local.date()):
                n -= 1
        return local.astimezone(dt.UTC)

    def add(self, when: dt.datetime, period: Period) -> dt.datetime:
        """`when` + period, landing on a working day.

        Months are calendar months (31 January + 1 month = 28 or 29 February).
        """
        local = _add_local(
            when.astimezone(self._tz), relativedelta(months=period.months, days=period.days)
        )
        if period.working_days:
            local = self.add_working_days(local, period.working_days).astimezone(self._tz)
        return self.roll_forward(local)

    def due(self, kind: str, start: dt.datetime) -> dt.datetime:
        """When the SLA named `kind` ("share_request", "build_request") runs out."""
        return self.add(start, self.slas[kind])

    def working_days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working days after start's date up to and including end's (negative if end < start)."""
        a, b = start.astimezone(self._tz).date(), end.astimezone(self._tz).date()
        sign = 1 if b >= a else -1
        a, b = min(a, b), max(a, b)
        count = sum(
            self.is_working_day(a + dt.timedelta(days=i)) for i in range(1, (b - a).days + 1)
        )
        return sign * count


def _add_local(local: dt.datetime, delta: relativedelta) -> dt.datetime:
    # Wall-clock arithmetic, then re-resolve the offset (a DST change keeps 17:00 at 17:00).
    naive = local.replace(tzinfo=None) + delta
    return naive.replace(tzinfo=local.tzinfo)


def resume_due(due_at: dt.datetime, paused_at: dt.datetime, resumed_at: dt.datetime):
    """The due date after a pause: it moves later by exactly how long the clock stood still."""
    return due_at + max(resumed_at - paused_at, dt.timedelta(0))
