"""Boundaries that a one-line bug would cross unseen: each test names the rule it holds.

Every working-day count starts on each day of the week (a Wednesday start hides a count that
includes the start day); the justification is tried at 29 and 30 characters; a unit already
held is refused by the service's own check, with its own exception (not a database error).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from registry.errors import UnitUnavailable, ValidationFailed
from registry.inventory.allocations import _choose_units
from registry.inventory.models import Capacity
from registry.workflow.calendar import Calendar
from registry.workflow.decisions import MIN_JUSTIFICATION, check_reasons
from registry.workflow.states import BuildAction

MONDAY = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)  # 1 June 2026 is a Monday
# Day of the week of the start -> day offset of the result, worked out by hand on a calendar.
ONE_WORKING_DAY_LATER = {0: 1, 1: 1, 2: 1, 3: 1, 4: 3, 5: 2, 6: 1}
FIVE_WORKING_DAYS_LATER = {0: 7, 1: 7, 2: 7, 3: 7, 4: 7, 5: 6, 6: 5}


@pytest.mark.parametrize("weekday", range(7))
def test_one_working_day_after_each_day_of_the_week(weekday):
    start = MONDAY + dt.timedelta(days=weekday)
    due = Calendar().add_working_days(start, 1)
    assert due == start + dt.timedelta(days=ONE_WORKING_DAY_LATER[weekday])


@pytest.mark.parametrize("weekday", range(7))
def test_five_working_days_after_each_day_of_the_week(weekday):
    start = MONDAY + dt.timedelta(days=weekday)
    due = Calendar().add_working_days(start, 5)
    assert due == start + dt.timedelta(days=FIVE_WORKING_DAYS_LATER[weekday])
    assert due.weekday() < 5


@pytest.mark.parametrize("weekday", range(7))
def test_zero_working_days_is_the_start_itself(weekday):
    start = MONDAY + dt.timedelta(days=weekday)
    assert Calendar().add_working_days(start, 0) == start


SHARE_REPORT = SimpleNamespace(id=7, verdict="share")


def test_the_justification_needs_thirty_characters():
    assert MIN_JUSTIFICATION == 30


def test_a_29_character_justification_is_refused_beside_a_feasible_share():
    with pytest.raises(ValidationFailed) as raised:
        check_reasons(BuildAction.APPROVE_NEW_BUILD, SHARE_REPORT, None, "x" * 29)
    assert raised.value.field == "justification"


def test_a_30_character_justification_is_enough():
    check_reasons(BuildAction.APPROVE_NEW_BUILD, SHARE_REPORT, None, "x" * 30)


def test_no_justification_is_needed_when_nothing_could_be_shared():
    check_reasons(
        BuildAction.APPROVE_NEW_BUILD, SimpleNamespace(id=8, verdict="build_new"), None, None
    )


def test_a_unit_already_held_is_refused_by_name_before_the_database_sees_it():
    cable = Capacity(asset_id=1, resource="fiber_core", total=4)
    held = {3: "allocation 9"}
    with pytest.raises(UnitUnavailable, match="fiber_core unit 3 is already held"):
        _choose_units(cable, held, [2, 3], None, None)
    assert _choose_units(cable, held, [1, 2], None, None) == [1, 2]
