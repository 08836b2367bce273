"""InfraShare's web layer: the Flask app factory is the composition root."""

from __future__ import annotations

import logging
import os
from inspect import CO_COROUTINE
from types import FunctionType, MethodType

import swagger_ui_bundle
from flask import Flask, g, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface

from api import cli, notify_cli, ops, ratelimit, security, web
from api.auth import authn
from api.config import Config, ensure_secret_key
from api.context import AppContext, register_grant_audit
from api.errors import register_error_handlers
from api.extensions import make_api
from api.fields import install_input_guards
from registry.db.engine import make_engine, make_session_factory
from registry.engine.matcher import Matcher
from registry.planning import rules as co_build_rules

log = logging.getLogger(__name__)


def create_app(config=None) -> Flask:
    """Build the app: config (a dict of overrides, or None), engine, sessions, blueprints."""
    app = InfraShareFlask(__name__, instance_relative_config=False)
    settings = Config().as_dict()
    settings.update(config or {})
    ensure_secret_key(settings)
    app.config.update(settings)
    app.session_interface = CookieSessionWhenSent()
    logging.basicConfig(level=app.config["LOG_LEVEL"])

    engine = make_engine(app.config["DATABASE_URL"])
    session_factory = make_session_factory(engine)
    app.extensions["infrashare"] = AppContext(
        config=app.config,
        engine=engine,
        session_factory=session_factory,
        matcher=Matcher(session_factory, costs=app.config["MATCH_COSTS"]),
    )
    co_build_rules.configure(co_build_rules.CoBuildRules.from_config(app.config))
    install_input_guards(app)  # before any route: ids beyond any id are a 404, not a 500
    _register_blueprints(make_api(app))
    register_error_handlers(app)
    _register_request_id(app)
    # Order matters: the request timer, the CORS preflight, who is calling, the rate limit
    # (per token or per address), then the role check.
    ops.register(app)
    security.register(app)
    authn.register_identify(app)
    ratelimit.register(app)
    authn.register(app)
    register_grant_audit(app)
    _register_docs_assets(app)
    cli.register(app)
    notify_cli.register(app)
    web.register(app)
    return app


class InfraShareFlask(Flask):
    """Flask, asking cheaply whether a hook or view is a coroutine function.

    Flask asks `inspect.iscoroutinefunction` of every hook and view it calls, ~15 times a
    request (~1.5 us each: it unwraps partials and methods first). A plain function or a
    method of one answers from its code flags here; anything else is asked as before."""

    def ensure_sync(self, func):
        plain = func.__func__ if type(func) is MethodType else func
        if type(plain) is FunctionType and not plain.__code__.co_flags & CO_COROUTINE:
            return func
        return super().ensure_sync(func)


class CookieSessionWhenSent(SecureCookieSessionInterface):
    """Flask's signed-cookie session, built only when the request sends its cookie.

    API calls send none, yet Flask opens (a signing serializer built per request) and saves
    (seven cookie settings read) a session on every one: ~10 us of CPU in a loop, 35-90 us
    inside a request. Without the cookie the answer is the same empty session as before."""

    def open_session(self, app, request):
        # No Cookie header at all (an API client): not even the cookies are parsed.
        if app.secret_key and (
            not request.environ.get("HTTP_COOKIE")
            or not request.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        # An empty session nobody touched: Flask's own save_session would do nothing either.
        if session or session.modified or session.accessed:
            super().save_session(app, session, response)


def _register_blueprints(api) -> None:
    from api.access_grants.resources import blp as access_grants_blp
    from api.assets.resources import blp as assets_blp
    from api.audit.resources import blp as audit_blp
    from api.build_requests.resources import blp as build_requests_blp
    from api.co_build.resources import blp as co_build_blp
    from api.deadlines.resources import blp as deadlines_blp
    from api.decisions.resources import blp as decisions_blp
    from api.events.resources import blp as events_blp
    from api.exports.resources import blp as exports_blp
    from api.imports.resources import blp as imports_blp
    from api.kpis.resources import blp as kpis_blp
    from api.match.resources import blp as match_blp
    from api.ofds.resources import blp as ofds_blp
    from api.ogc.resources import blp as ogc_blp
    from api.open_directory.resources import blp as open_directory_blp
    from api.organisations.resources import blp as organisations_blp
    from api.plan.resources import blp as plan_blp
    from api.share_requests.resources import blp as share_requests_blp
    from api.tiles.resources import blp as tiles_blp
    from api.webhooks.resources import blp as webhooks_blp

    for blp in (
        organisations_blp,
        assets_blp,
        access_grants_blp,
        match_blp,
        plan_blp,
        share_requests_blp,
        build_requests_blp,
        decisions_blp,
        deadlines_blp,
        audit_blp,
        imports_blp,
        exports_blp,
        co_build_blp,
        kpis_blp,
        events_blp,
        webhooks_blp,
        ofds_blp,
    ):
        api.register_blueprint(blp, url_prefix=f"/api/v1{blp.url_prefix}")
    # OGC API - Features, tiles and the open directory live at /ogc, /tiles and /open/v1.
    for blp in (ogc_blp, tiles_blp, open_directory_blp):
        api.register_blueprint(blp)


def _register_request_id(app: Flask) -> None:
    """The request's id: the caller's X-Request-ID, or a fresh one (api.security echoes it)."""

    @app.before_request
    def _assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        # 32 random hex digits, as uuid4().hex, at a third of its cost (no UUID object).
        g.request_id = incoming[:100] if incoming.strip() else os.urandom(16).hex()


def _register_docs_assets(app: Flask) -> None:
    @app.get("/api/v1/docs-assets/<path:filename>")
    def docs_assets(filename):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    @app.get("/api/v1/")
    def index():
        return {
            "name": "InfraShare",
            "api": "/api/v1",
            "openapi": "/api/v1/openapi.json",
            "docs": "/api/v1/docs",
        }
