"""Bearer-token authentication and the endpoint rule check, run before every request."""

from __future__ import annotations

import logging

from flask import Flask, g, request

from api.auth.rules import PUBLIC, READ_METHODS, allowed_roles
from api.context import read_session
from api.errors import error_response
from api.web import auth as web_auth
from registry.access.tokens import authenticate
from registry.errors import Unauthenticated

log = logging.getLogger(__name__)

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="infrashare"'}


def _unauthorised():
    return error_response(
        401,
        "unauthenticated",
        "send a valid token as 'Authorization: Bearer <token>'",
        headers=CHALLENGE,
    )


def _forbidden(message: str = "this token may not do that"):
    return error_response(403, "forbidden", message)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def check_request():
    """Authenticate, then apply the endpoint's role rule and the token's scope."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC:
        return None
    token = _bearer()
    try:
        with read_session() as session:
            if token is not None:
                g.actor = authenticate(session, token)
            else:  # the web workspace: a session cookie stands for a token
                g.actor = web_auth.session_actor(session)
    except Unauthenticated:
        return web_auth.to_sign_in() if web_auth.is_page(endpoint) else _unauthorised()
    if token is None and request.method not in READ_METHODS and not web_auth.csrf_ok():
        return _forbidden("the form was not sent by this site's page; reload it and try again")
    roles = allowed_roles(endpoint, request.method)
    if roles is None:
        log.error("no access rule for %s %s: denied", request.method, endpoint)
        return _forbidden()
    if request.method not in READ_METHODS and g.actor.scope != "write":
        return _forbidden("this token is read-only")
    if not (g.actor.is_admin or g.actor.roles & roles):
        return _forbidden()
    return None


def register(app: Flask) -> None:
    app.before_request(check_request)
