"""Workflow settings for views: hold length, the deadline calendar and the matching engine."""

from __future__ import annotations

import datetime as dt

from api.context import app_context
from registry.workflow.build_requests import Matcher
from registry.workflow.calendar import Calendar


def hold() -> dt.timedelta:
    """How long a new share request holds its units (INFRASHARE_HOLD_DAYS, default 30)."""
    return dt.timedelta(days=float(app_context().config.get("HOLD_DAYS", 30)))


def calendar() -> Calendar:
    """The SLA calendar: WORKFLOW_HOLIDAYS (ISO dates) and WORKFLOW_TIMEZONE from the config."""
    config = app_context().config
    return Calendar.from_settings(
        config.get("WORKFLOW_HOLIDAYS", ()), config.get("WORKFLOW_TIMEZONE", "UTC")
    )


def matcher() -> Matcher:
    """The app's engine (built once per process by create_app)."""
    engine = getattr(app_context(), "matcher", None)
    if engine is None:
        raise RuntimeError("create_app() built no matching engine (AppContext.matcher)")
    return engine
