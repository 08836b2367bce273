"""Flask extensions, built per app by create_app() (nothing is bound at import time)."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api


def make_api(app: Flask) -> Api:
    """The flask-smorest Api (OpenAPI document, docs page, argument parsing) for this app."""
    api = Api(app, spec_kwargs={"security": [{"bearerAuth": []}]})
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
    """Rate limits per client address (RATELIMIT_* config). Runs before authentication, so
    token guessing is limited too. Map tiles get their own, larger budget: one pan of a map
    asks for dozens of tiles."""
    limiter = Limiter(key_func=get_remote_address, app=app)
    # Decorated views hold the limiter by weak reference, and a disabled limiter does not
    # register itself on the app: keep it alive here, or the tile view fails with a 500.
    app.extensions["infrashare_limiter"] = limiter
    tiles = app.view_functions.get("tiles.VectorTile")
    if tiles is not None:
        app.view_functions["tiles.VectorTile"] = limiter.limit(
            app.config["TILE_RATE_LIMIT"], override_defaults=True
        )(tiles)
    return limiter
