"""Rate limits: one counter hit per request in the shared store, through the `limits` library.

Flask-Limiter did this with ~250 µs of CPU per request (resolving which of its limit groups,
decorators and exemptions applied, then reading the window again for the headers); the
counting itself in our store is ~30 µs. Here each endpoint's limits are resolved once per
process and kept in a dict; a request costs its key, one `hit` and the window just counted.

What is limited, as before: every endpoint has the default budget (RATELIMIT_DEFAULT) per
caller and per endpoint, except map tiles and the open directory, which have their own
(TILE_RATE_LIMIT, OPEN_DIRECTORY_RATE_LIMIT); probes and scrapes (the `ops` blueprint) and
static files are never limited. The caller is its token (organisation) when authenticated,
else its address (see api.auth.authn.rate_limit_key). The check runs before the role check,
so guessing tokens costs budget too.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable

from flask import Flask, g, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES, FixedWindowRateLimiter

from api import ratelimit_shm, ratelimit_store  # noqa: F401  register shmfile://, sqlitefile://
from api.auth.authn import rate_limit_key
from api.errors import error_response
from api.security import ClientAddress

log = logging.getLogger(__name__)

EXEMPT_BLUEPRINTS = frozenset({"ops"})  # health probes and metric scrapes
# Endpoints with a budget of their own instead of the default: (config key, its default).
OWN_LIMITS = {
    # One pan of a map asks for dozens of tiles.
    "tiles.VectorTile": ("TILE_RATE_LIMIT", "6000 per minute"),
    # The directory needs no token: a smaller budget per address.
    "open_directory.Directory": ("OPEN_DIRECTORY_RATE_LIMIT", "60 per minute"),
}
HEADER_NAMES = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
KNOWN_NAMES = 4096  # (caller, endpoint) pairs whose counter names a process keeps


def _parse(text) -> tuple[RateLimitItem, ...]:
    """'600 per minute' (or several, ';'-separated), smallest window first, as Flask-Limiter
    checked them; nothing configured means no limit."""
    return tuple(sorted(parse_many(text))) if text else ()


class RateLimiter:
    """The limits of one app, its store and strategy, and the two request hooks."""

    def __init__(self, config, client_address: ClientAddress) -> None:
        uri = config.get("RATELIMIT_STORAGE_URI") or "memory://"
        self.storage = storage_from_string(uri)
        self.strategy = STRATEGIES[config.get("RATELIMIT_STRATEGY") or "fixed-window"](self.storage)
        self.key = rate_limit_key(client_address)
        self.headers = bool(config.get("RATELIMIT_HEADERS_ENABLED", True))
        # A broken store is logged and lets requests through, rather than 500 them all.
        self.swallow_errors = bool(config.get("RATELIMIT_SWALLOW_ERRORS", True))
        self.default = _parse(config.get("RATELIMIT_DEFAULT"))
        self.own = {
            endpoint: _parse(config.get(name, fallback))
            for endpoint, (name, fallback) in OWN_LIMITS.items()
        }
        # endpoint -> its limits, filled on an endpoint's first request (the routes are all
        # known by then; some are added after the limiter in create_app).
        self.by_endpoint: dict[str, tuple[RateLimitItem, ...]] = {}
        # The fixed-window strategy is one storage call per count and two per window read,
        # under a name built from the limit, the caller and the endpoint (`key_for`, three
        # times a request): with it, the limiter calls the store itself and keeps the names.
        self.fixed = type(self.strategy) is FixedWindowRateLimiter
        self._names: dict[tuple[str, str], tuple[str, ...]] = {}

    def limits_for(self, endpoint: str) -> tuple[RateLimitItem, ...]:
        """The limits of an endpoint (empty when it is exempt)."""
        blueprint, _, name = endpoint.rpartition(".")
        if name == "static" or blueprint.split(".", 1)[0] in EXEMPT_BLUEPRINTS:
            return ()
        return self.own.get(endpoint, self.default)

    def check(self):
        """before_request: count this request; a 429 response once a budget is spent."""
        endpoint = request.endpoint
        if endpoint is None:  # no route (404/405): nothing to count against
            return None
        limits = self.by_endpoint.get(endpoint)
        if limits is None:
            limits = self.by_endpoint[endpoint] = self.limits_for(endpoint)
        if not limits:
            return None
        try:
            item, allowed, window = self._counted(limits, self.key(), endpoint)
            if allowed and not self.headers:
                return None
            # The window just counted: our stores answer this from the count they just made.
            reset, remaining = window()
        except Exception:
            if not self.swallow_errors:
                raise
            log.exception("the rate-limit store failed; this request goes through unlimited")
            return None
        if self.headers:
            g.rate_limit = (str(item.amount), str(remaining), str(int(reset + 1)))
        return None if allowed else _too_many(item, reset)

    def _hit(self, limits, key: str, endpoint: str) -> tuple[RateLimitItem, bool]:
        """Count against each limit, smallest window first, stopping at the first one spent:
        (the limit to report, whether the request may go on)."""
        hit = self.strategy.hit
        for item in limits:
            if not hit(item, key, endpoint):
                return item, False
        return limits[0], True

    def _counter_names(self, limits, key: str, endpoint: str) -> tuple[str, ...]:
        """The store's name of each limit's counter for this caller and endpoint, as
        limits' strategies name them (`key_for`), built once per process."""
        names = self._names.get((key, endpoint))
        if names is None:
            if len(self._names) >= KNOWN_NAMES:
                self._names.clear()
            names = tuple(item.key_for(key, endpoint) for item in limits)
            self._names[(key, endpoint)] = names
        return names

    def _counted(self, limits, key: str, endpoint: str) -> tuple[RateLimitItem, bool, Callable]:
        """_hit, and how to read the reported limit's window afterwards: () -> (reset time,
        remaining). The fixed window counts as FixedWindowRateLimiter.hit does, without
        building the counters' names again."""
        if not self.fixed:
            item, allowed = self._hit(limits, key, endpoint)
            return item, allowed, lambda: self.strategy.get_window_stats(item, key, endpoint)
        names = self._counter_names(limits, key, endpoint)
        incr = self.storage.incr
        for item, name in zip(limits, names, strict=True):
            if incr(name, item.get_expiry(), amount=1) > item.amount:
                return item, False, functools.partial(self._window, item, name)
        return limits[0], True, functools.partial(self._window, limits[0], names[0])

    def _window(self, item: RateLimitItem, name: str) -> tuple[float, int]:
        """FixedWindowRateLimiter.get_window_stats of a counter named already."""
        remaining = max(0, item.amount - self.storage.get(name))
        return self.storage.get_expiry(name), remaining

    def add_headers(self, response):
        """after_request: the X-RateLimit headers, from what check() counted."""
        values = g.pop("rate_limit", None)
        if values is not None:
            response.headers.extend(zip(HEADER_NAMES, values, strict=True))
        return response


def _too_many(item: RateLimitItem, reset: float):
    """429 in the one error shape, with the seconds until the window resets."""
    retry = max(1, math.ceil(reset - time.time()))
    return error_response(
        429,
        "too_many_requests",
        f"too many requests: the limit here is {item} per caller; retry in {retry} s",
        headers={"Retry-After": str(retry)},
    )


def register(app: Flask) -> RateLimiter | None:
    """Install the limiter's hooks (unless RATELIMIT_ENABLED is false). Register it after
    the hook that identifies the caller and before the role check."""
    client_address = ClientAddress(app.config["TRUSTED_PROXIES"])
    app.extensions["infrashare_client_address"] = client_address
    if not app.config.get("RATELIMIT_ENABLED", True):
        return None
    limiter = RateLimiter(app.config, client_address)
    app.extensions["infrashare_limiter"] = limiter
    app.before_request(limiter.check)
    if limiter.headers:
        app.after_request(limiter.add_headers)
    return limiter
