"""InfraShare's web layer: the Flask app factory is the composition root."""

from __future__ import annotations

import logging
import uuid

import swagger_ui_bundle
from flask import Flask, g, request, send_from_directory

from api import cli
from api.auth import authn
from api.config import Config, ensure_secret_key
from api.context import AppContext
from api.errors import register_error_handlers
from api.extensions import make_api, make_limiter
from registry.db import make_engine, make_session_factory

log = logging.getLogger(__name__)


def create_app(config=None) -> Flask:
    """Build the app: config (a dict of overrides, or None), engine, sessions, blueprints."""
    app = Flask(__name__, instance_relative_config=False)
    settings = Config().as_dict()
    settings.update(config or {})
    ensure_secret_key(settings)
    app.config.update(settings)
    logging.basicConfig(level=app.config["LOG_LEVEL"])

    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["infrashare"] = AppContext(
        config=app.config, engine=engine, session_factory=make_session_factory(engine)
    )
    _register_blueprints(make_api(app))
    register_error_handlers(app)
    _register_request_id(app)
    make_limiter(app)
    authn.register(app)
    _register_docs_assets(app)
    cli.register(app)
    return app


def _register_blueprints(api) -> None:
    from api.access_grants.resources import blp as access_grants_blp
    from api.assets.resources import blp as assets_blp
    from api.organisations.resources import blp as organisations_blp

    for blp in (organisations_blp, assets_blp, access_grants_blp):
        api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix}")


def _register_request_id(app: Flask) -> None:
    @app.before_request
    def _assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:100] if incoming.strip() else uuid.uuid4().hex

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        return response


def _register_docs_assets(app: Flask) -> None:
    @app.get("/api/v1/docs-assets/<path:filename>")
    def docs_assets(filename):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    @app.get("/")
    def index():
        return {
            "name": "InfraShare",
            "api": "/api/v1",
            "openapi": "/api/v1/openapi.json",
            "docs": "/api/v1/docs",
        }
