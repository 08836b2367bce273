"""Bearer-token authentication and the endpoint rule check, run before every request.

Two hooks with the rate limiter between them: `identify` finds the actor (cached per
process, see `api.auth.cache`), so the limiter can count per token; `authorize` then answers
401/403. A request with a wrong token is counted per client address, like an anonymous one.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, request

from api.auth.cache import AuthCache
from api.auth.rules import PUBLIC, READ_METHODS, allowed_roles
from api.context import app_context, read_session
from api.errors import error_response
from api.web import auth as web_auth
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


def _is_public(endpoint: str | None) -> bool:
    return endpoint is None or endpoint in PUBLIC


def identify():
    """Set g.actor from the bearer token (cached) or the web workspace's session cookie, when
    valid; never answers by itself."""
    if _is_public(request.endpoint):
        return None
    token = _bearer()
    try:
        if token is not None:
            cache: AuthCache = current_app.extensions["infrashare_auth"]
            g.actor = cache.actor(app_context().session_factory, token)
            # The newest change-feed seq, just read: a view that needs it (the tiles' ETag)
            # does not read it again.
            g.feed_seq = cache.last_seq
        elif web_auth.session_id() is not None:  # the web workspace: a cookie stands for a token
            with read_session() as session:
                g.actor = web_auth.session_actor(session)
    except Unauthenticated:
        g.pop("actor", None)
    return None


def check_request():
    """Apply the endpoint's role rule, the token's scope and (for the web workspace's
    cookie) the CSRF check to the identified actor."""
    endpoint = request.endpoint
    if _is_public(endpoint):
        return None
    actor = g.get("actor")
    if actor is None:
        return web_auth.to_sign_in() if web_auth.is_page(endpoint) else _unauthorised()
    if _bearer() is None and request.method not in READ_METHODS and not web_auth.csrf_ok():
        return _forbidden("the form was not sent by this site's page; reload it and try again")
    roles = allowed_roles(endpoint, request.method)
    if roles is None:
        log.error("no access rule for %s %s: denied", request.method, endpoint)
        return _forbidden()
    if request.method not in READ_METHODS and actor.scope != "write":
        return _forbidden("this token is read-only")
    if not (actor.is_admin or actor.roles & roles):
        return _forbidden()
    return None


def rate_limit_key(client_address) -> callable:
    """The limiter's key: per token for an authenticated caller (so everyone behind one
    proxy or office NAT is not one client), per client address for anyone else."""

    def key() -> str:
        actor = g.get("actor")
        if actor is not None and actor.org_id is not None:
            return f"token:{actor.name}"
        return f"addr:{client_address()}"

    return key


def register_identify(app: Flask) -> None:
    """Install the per-process auth cache and the identify hook (before the limiter)."""
    context = app.extensions["infrashare"]
    app.extensions["infrashare_auth"] = AuthCache(
        context.engine,
        ttl_s=float(app.config["AUTH_CACHE_TTL_S"]),
        on_feed=_feed_listener(context.matcher),
        mark=context.matcher.feed_mark,
    )
    app.before_request(identify)
    # The feed read is this request's own: the next one must not rely on it.
    app.teardown_request(lambda _exc=None: context.matcher.forget_feed())


def _feed_listener(matcher):
    """The feed check sees the newest seq anyway. The matcher's catch-up in this request
    relies on it instead of reading the feed again; and when it is below the seq this
    worker's index was built to, the database was restored from a backup: rebuild the index."""

    def on_feed(newest: int, mark) -> bool:
        if newest >= matcher.index.seq:
            matcher.saw_feed(newest, mark)
            return False
        log.warning(
            "change feed at %d, behind the index (%d): database restored? rebuilding the index",
            newest,
            matcher.index.seq,
        )
        matcher.index.build()
        return True

    return on_feed


def register(app: Flask) -> None:
    app.before_request(check_request)
