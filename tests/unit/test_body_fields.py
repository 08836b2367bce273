"""Body fields without a database: JSON booleans, plans' dates, plain-word lengths."""

from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import Schema, ValidationError

from api import fields as body_fields


class _Body(Schema):
    flag = body_fields.Flag()
    day = body_fields.UpcomingDate()
    name = body_fields.fields.String(validate=body_fields.text_length(1, 5))


def _refusal(**body) -> dict:
    with pytest.raises(ValidationError) as raised:
        _Body().load(body)
    return raised.value.messages


@pytest.mark.parametrize("value", [True, False])
def test_a_json_boolean_is_a_flag(value):
    assert _Body().load({"flag": value}) == {"flag": value}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("true", "must be true or false, not text: write true without the quotes"),
        (" False", "must be true or false, not text: write false without the quotes"),
        ("yes", "must be true or false (a JSON boolean, without quotes)"),
        (1, "must be true or false (a JSON boolean, without quotes)"),
    ],
)
def test_anything_else_is_not_a_flag(value, message):
    assert _refusal(flag=value) == {"flag": [message]}


@pytest.fixture
def leap_day(monkeypatch):
    """The registry's clock stands at noon UTC on 29 February 2028."""
    monkeypatch.setattr(body_fields, "utcnow", lambda: dt.datetime(2028, 2, 29, 12, tzinfo=dt.UTC))


@pytest.mark.parametrize("day", ["2028-02-29", "2038-02-28"])
def test_a_plans_date_from_today_to_ten_years_on(leap_day, day):
    assert _Body().load({"day": day}) == {"day": dt.date.fromisoformat(day)}


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2028-02-28", "2028-02-28 has passed: give today (2028-02-29, UTC) or later"),
        ("2038-03-01", "must be within 10 years: 2038-02-28 at the latest"),
    ],
)
def test_a_plans_date_outside_them_is_refused(leap_day, day, message):
    assert _refusal(day=day) == {"day": [message]}


def test_a_length_is_said_in_plain_words():
    text = "must be non-empty text of at most 5 characters"
    assert _refusal(name="") == {"name": [text]}
    assert _refusal(name="abcdef") == {"name": [text]}
