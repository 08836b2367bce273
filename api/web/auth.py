"""The web workspace's session cookie and CSRF check, used by api.auth.authn for every request.

The browser holds only a random session id (HttpOnly, SameSite=Lax, Secure behind HTTPS); the
actor is rebuilt from the session's token on each request by the same registry code that
serves bearer tokens, so the pages and the JSON API apply one set of rules.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from flask import g, redirect, request, url_for

from registry.access.web_sessions import resume
from registry.db.uow import Actor
from registry.errors import Unauthenticated

log = logging.getLogger(__name__)

COOKIE = "infrashare_session"
# Before there is a session, the sign-in form is guarded by a double-submit nonce, so that
# another site cannot sign a browser in to the attacker's account (login CSRF).
LOGIN_COOKIE = "infrashare_login"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def session_id() -> str | None:
    value = request.cookies.get(COOKIE, "")
    return value if 20 <= len(value) <= 100 else None


def session_actor(session) -> Actor:
    """The actor of the request's web session (its CSRF token goes to g), or Unauthenticated."""
    sid = session_id()
    if sid is None:
        raise Unauthenticated("no session")
    actor, g.csrf_token = resume(session, sid)
    return actor


def csrf_ok() -> bool:
    """A state-changing request sent with the session must carry the session's CSRF token."""
    expected = g.get("csrf_token")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    return bool(expected) and hmac.compare_digest(str(sent), expected)


def is_page(endpoint: str) -> bool:
    """Pages of the workspace answer a missing session with the sign-in form, not a 401."""
    return endpoint.startswith("web.") and request.method == "GET"


def to_sign_in():
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


def set_cookie(response, sid: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        sid,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/",
    )


def clear_cookie(response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax")


def login_nonce() -> str:
    return secrets.token_urlsafe(24)


def set_login_cookie(response, nonce: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
        path="/login",
    )


def login_form_ok() -> bool:
    """The posted form carries the nonce this browser was given with the form."""
    sent, kept = request.form.get(CSRF_FIELD, ""), request.cookies.get(LOGIN_COOKIE, "")
    return bool(kept) and hmac.compare_digest(sent, kept)
