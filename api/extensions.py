"""Flask extensions, built per app by create_app() (nothing is bound at import time)."""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_smorest import Api

from api import ratelimit_store  # noqa: F401  registers the sqlitefile:// store with limits
from api.auth.authn import rate_limit_key
from api.pagination import PagedApi
from api.security import ClientAddress
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


def make_limiter(app: Flask) -> Limiter:
    """Rate limits (RATELIMIT_* config) per token, or per client address for calls without
    a valid token (so token guessing is limited too); the store is shared by the workers.
    Map tiles get their own, larger budget: one pan of a map asks for dozens of tiles."""
    client_address = ClientAddress(app.config["TRUSTED_PROXIES"])
    app.extensions["infrashare_client_address"] = client_address
    limiter = Limiter(key_func=rate_limit_key(client_address), app=app)
    if "ops" in app.blueprints:  # probes and scrapes are never limited
        limiter.exempt(app.blueprints["ops"])
    # Decorated views hold the limiter by weak reference, and a disabled limiter does not
    # register itself on the app: keep it alive here, or the tile view fails with a 500.
    app.extensions["infrashare_limiter"] = limiter
    tiles = app.view_functions.get("tiles.VectorTile")
    if tiles is not None:
        app.view_functions["tiles.VectorTile"] = limiter.limit(
            app.config["TILE_RATE_LIMIT"], override_defaults=True
        )(tiles)
    return limiter


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
