"""Flask extensions, built per app by create_app() (nothing is bound at import time)."""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_smorest import Api

from api.pagination import PagedApi
from registry.history.probe_log import ProbeLog

PROBE_LOG = "infrashare_probe_log"


def make_api(app: Flask) -> Api:
    """The flask-smorest Api (OpenAPI document, docs page, argument parsing) for this app."""
    api = PagedApi(app, spec_kwargs={"security": [{"bearerAuth": []}]})
    api.spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "an API token: flask --app api tokens create ...",
        },
    )
    return api


def probe_log(app: Flask) -> ProbeLog:
    """This app's buffered writer of `masked_query` audit entries (made on first use)."""
    found = app.extensions.get(PROBE_LOG)
    if found is None:
        found = app.extensions[PROBE_LOG] = ProbeLog(app.extensions["infrashare"].session_factory)
    return found


def record_probe(actor, where: str, spatial: dict, masked_ids: list[int]) -> None:
    """Audit a list whose spatial filter matched assets the caller sees masked: queued, and
    written within a second with the others (registry.history.probe_log)."""
    probe_log(current_app).record(actor, where, spatial, masked_ids, g.get("request_id"))
