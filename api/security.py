"""Response security headers (CSP and friends) and CORS, closed unless origins are configured."""

from __future__ import annotations

import ipaddress
import logging

from flask import Flask, g, request

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data: blob:; worker-src 'self' blob:; child-src blob:; connect-src 'self'; "
    "font-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # frame-ancestors 'none' in the CSP; X-Frame-Options for browsers that predate it.
    "X-Frame-Options": "DENY",
}

CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type, X-Request-ID"
CORS_MAX_AGE = "600"


_SECURITY_NAMES = {name.lower(): (name, value) for name, value in SECURITY_HEADERS.items()}


def _add_security_headers(response):
    """The security headers a view did not set itself, and the request's id echoed (one hook
    for both: every after-request hook costs a call through Flask on every request)."""
    headers = response.headers
    # One pass over the headers a view set, instead of one scan per header (setdefault).
    given = {name.lower() for name, _ in headers}
    headers.extend(pair for low, pair in _SECURITY_NAMES.items() if low not in given)
    headers["X-Request-ID"] = g.get("request_id", "")
    return response


def _cors_preflight(origins: frozenset[str]):
    """Answer a CORS preflight from an allowed origin before authentication (browsers send
    no token with it). Other OPTIONS requests go on as usual."""
    origin = request.headers.get("Origin")
    if (
        request.method != "OPTIONS"
        or origin not in origins
        or "Access-Control-Request-Method" not in request.headers
    ):
        return None
    response = Flask.response_class(status=204)
    response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
    response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
    response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
    return response


def _cors_headers(origins: frozenset[str]):
    def add(response):
        origin = request.headers.get("Origin")
        if origin in origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "X-Request-ID, Retry-After"
        if origins:
            response.vary.add("Origin")
        return response

    return add


def register(app: Flask) -> None:
    """Install the headers on every response; CORS only for INFRASHARE_CORS_ORIGINS.

    Register before authentication, so that a preflight is answered without a token.
    """
    origins = frozenset(app.config.get("CORS_ORIGINS") or ())
    if origins:
        # With no origins the CORS hook would add nothing to any response: not installed,
        # so a request does not pay for it (an Origin header lookup and a hook call).
        app.before_request(lambda: _cors_preflight(origins))
        app.after_request(_cors_headers(origins))
    app.after_request(_add_security_headers)


def _networks(entries) -> tuple:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise SystemExit(f"INFRASHARE_TRUSTED_PROXIES: {entry!r} is not an address") from None
    return tuple(networks)


class ClientAddress:
    """The client's address: the socket peer, or, only when that peer is a trusted proxy,
    the right-most X-Forwarded-For hop that is not itself a trusted proxy. Honouring the
    header from anyone would let every client pick its own rate-limit bucket."""

    def __init__(self, trusted_proxies) -> None:
        self.trusted = _networks(trusted_proxies)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def __call__(self) -> str:
        peer = request.remote_addr or "unknown"
        if not self.trusted or not self._is_trusted(peer):
            return peer
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        for hop in reversed([h for h in hops if h]):
            if not self._is_trusted(hop):
                return hop
        return peer
