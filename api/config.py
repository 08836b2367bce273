"""Configuration from environment variables with safe defaults (documented in README.md)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
from pathlib import Path

from matching.rules import DEFAULT_COSTS, Costs

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default=None):
    value = os.environ.get(f"INFRASHARE_{name}")
    return default if value in (None, "") else value


def default_database_url() -> str:
    """A SpatiaLite file under instance/, created on first use."""
    instance = PROJECT_ROOT / "instance"
    instance.mkdir(exist_ok=True)
    return f"sqlite:///{instance / 'infrashare.db'}"


def default_workers(cores: int, database_url: str | None = None) -> int:
    """Server worker processes when INFRASHARE_WORKERS is not set: one per core on SpatiaLite,
    two per core on PostgreSQL.

    SpatiaLite is read inside the worker's own process, so a request is CPU from its first
    byte to its last: a second process per core adds no work done, only turns taken, colder
    caches (each worker has its own rows, texts and SQLite pages) and longer queues. On the
    demo city under the 32-client load mix, 2 workers against 4 on 2 cores, five alternated
    pairs: 628 against 543 req/s on average (2 won 4 of 5), p99 66-87 against 66-100 ms,
    3.0 against 3.55 ms of server CPU a request (bench/RESULTS.md). On PostgreSQL a worker
    waits for the server's answers, during which another worker can use the core."""
    url = database_url or _env("DATABASE_URL") or default_database_url()
    per_core = 1 if url.startswith("sqlite") else 2
    return per_core * max(cores, 1)


def _costs(text: str | None) -> Costs:
    """The savings cost table: defaults, overridden by INFRASHARE_COSTS as a JSON object,
    e.g. {"currency": "CNY", "new_tower": 850000, "trench_per_m": 900}."""
    if not text:
        return DEFAULT_COSTS
    try:
        return dataclasses.replace(DEFAULT_COSTS, **json.loads(text))
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"INFRASHARE_COSTS is not a valid cost table: {exc}") from None


def _list(text: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (text or "").split(",") if item.strip())


class Config:
    """Settings read at app creation; every value can be overridden by create_app(config)."""

    def __init__(self):
        self.DATABASE_URL = _env("DATABASE_URL") or default_database_url()
        self.SECRET_KEY = _env("SECRET_KEY")
        self.LOG_LEVEL = _env("LOG_LEVEL", "INFO")
        self.MASK_GRID_M = float(_env("MASK_GRID_M", 100))
        self.MATCH_COSTS = _costs(_env("COSTS"))
        self.HOLD_DAYS = float(_env("HOLD_DAYS", 30))  # how long a share request holds units
        # SLA calendar: comma-separated ISO dates that are not working days, and the zone.
        self.WORKFLOW_HOLIDAYS = tuple(
            d.strip() for d in (_env("HOLIDAYS", "") or "").split(",") if d.strip()
        )
        self.WORKFLOW_TIMEZONE = _env("TIMEZONE", "UTC")
        self.RATELIMIT_DEFAULT = _env("RATE_LIMIT", "600 per minute")
        self.TILE_RATE_LIMIT = _env("TILE_RATE_LIMIT", "6000 per minute")
        self.OPEN_DIRECTORY_RATE_LIMIT = _env("OPEN_DIRECTORY_RATE_LIMIT", "60 per minute")
        # Co-build groups: sites this close, routes sharing this much within the corridor,
        # wanted within this many days of each other (docs/planning.md).
        self.CO_BUILD_SITE_DISTANCE_M = float(_env("CO_BUILD_SITE_DISTANCE_M", 300))
        self.CO_BUILD_CORRIDOR_M = float(_env("CO_BUILD_CORRIDOR_M", 50))
        self.CO_BUILD_MIN_SHARED_M = float(_env("CO_BUILD_MIN_SHARED_M", 200))
        self.CO_BUILD_WINDOW_DAYS = int(_env("CO_BUILD_WINDOW_DAYS", 180))
        self.RATELIMIT_STORAGE_URI = _env("RATE_LIMIT_STORAGE", "memory://")
        # fixed-window (every file store), or moving-window / sliding-window-counter (redis).
        self.RATELIMIT_STRATEGY = _env("RATE_LIMIT_STRATEGY", "fixed-window")
        self.RATELIMIT_HEADERS_ENABLED = True
        # A broken limiter store is logged and lets requests through, rather than 500 them all.
        self.RATELIMIT_SWALLOW_ERRORS = True
        # X-Forwarded-For is honoured only from these addresses/networks (comma-separated).
        self.TRUSTED_PROXIES = _list(_env("TRUSTED_PROXIES"))
        # CORS stays closed unless origins are listed, e.g. "https://gis.example.org".
        self.CORS_ORIGINS = _list(_env("CORS_ORIGINS"))
        # How long a worker trusts an authenticated token before reading it again; a
        # revocation is seen at once through the change feed whatever this is (0: no cache).
        self.AUTH_CACHE_TTL_S = float(_env("AUTH_CACHE_TTL_S", 10))
        # Rendered vector tiles each worker keeps, by tile and ETag (api.tiles.cache); 0: none.
        self.TILE_CACHE_MB = float(_env("TILE_CACHE_MB", 32))
        # A directory the workers share it in (gunicorn_conf makes one per server); none:
        # each process keeps its own in memory.
        self.TILE_CACHE_DIR = _env("TILE_CACHE_DIR")
        # Where `demo-tokens` keeps the clear demo tokens (default instance/demo-tokens.json).
        self.DEMO_TOKENS_FILE = _env("DEMO_TOKENS_FILE")
        # Retry-After (seconds) on a 503 while the database is unreachable.
        self.DB_RETRY_AFTER_S = int(_env("DB_RETRY_AFTER_S", 5))
        self.MAX_CONTENT_LENGTH = int(_env("MAX_UPLOAD_BYTES", 512 * 1024 * 1024))
        self.API_TITLE = "InfraShare"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "docs"
        # Served from the swagger-ui-bundle package: the docs page needs no network.
        self.OPENAPI_SWAGGER_UI_URL = "/api/v1/docs-assets/"

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def ensure_secret_key(config: dict) -> None:
    """Fill in SECRET_KEY when none was configured: a random key kept in instance/secret-key
    (owner-only), so that every worker process, and the next start, signs alike."""
    if config.get("SECRET_KEY"):
        return
    path = PROJECT_ROOT / "instance" / "secret-key"
    try:
        path.parent.mkdir(exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
        log.info("INFRASHARE_SECRET_KEY is not set; made a random one in %s", path)
    except FileExistsError:
        pass
    except OSError as exc:
        log.warning(
            "INFRASHARE_SECRET_KEY is not set and %s is not writable (%s); using a "
            "random key for this process",
            path,
            exc,
        )
        config["SECRET_KEY"] = secrets.token_urlsafe(32)
        return
    config["SECRET_KEY"] = path.read_text().strip()
