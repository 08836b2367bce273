"""/healthz (the process is alive), /readyz (it can serve) and /metrics (Prometheus)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST

from api.context import app_context
from api.ops.metrics import install
from registry.db.engine import WRITE_OPTION
from registry.inventory.models import Change

log = logging.getLogger(__name__)

blp = Blueprint("ops", __name__)


def index_state() -> tuple[int, int]:
    """(assets in this worker's index, the seq it is caught up to); (0, -1) before loading."""
    index = app_context().matcher.index
    gen = getattr(index, "_gen", None)  # AssetIndex has no public size; read its generation
    if gen is None:
        return 0, -1
    live = sum(len(table) for table in gen.tables()) - gen.dead
    return live, gen.seq


def _registry_seq() -> int:
    engine = app_context().engine
    with engine.connect().execution_options(**{WRITE_OPTION: False}) as conn:
        return conn.execute(sa.select(sa.func.coalesce(sa.func.max(Change.seq), 0))).scalar()


@blp.get("/healthz")
def healthz():
    """Alive: the process answers. Touches nothing else, so a slow database never gets a
    healthy worker restarted."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz():
    """Ready: the database answers and this worker's index is loaded; reports the lag."""
    checks = {"database": "ok", "index": "ok"}
    try:
        seq = _registry_seq()
    except sa.exc.DBAPIError as exc:
        log.warning("readyz: database unreachable: %s", exc.orig)
        seq = None
        checks["database"] = "unreachable"
    assets, index_seq = index_state()
    if index_seq < 0:
        checks["index"] = "not loaded"
    lag = None if seq is None or index_seq < 0 else max(seq - index_seq, 0)
    ready = all(v == "ok" for v in checks.values())
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": checks,
        "registry_seq": seq,
        "index_seq": index_seq,
        "index_assets": assets,
        "change_feed_lag": lag,
    }
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = str(current_app.config.get("DB_RETRY_AFTER_S", 5))
    return response


@blp.get("/metrics")
def metrics():
    """Prometheus text format, summed over every worker."""
    ops = current_app.extensions["infrashare_metrics"]
    try:
        seq = _registry_seq()
    except sa.exc.DBAPIError:
        seq = None
    assets, index_seq = index_state()
    ops.index_assets.set(assets)
    if seq is not None:
        ops.registry_seq.set(seq)
        if index_seq >= 0:
            ops.feed_lag.set(max(seq - index_seq, 0))
    return current_app.response_class(ops.render(), content_type=CONTENT_TYPE_LATEST)


def register(app: Flask) -> None:
    """Mount the blueprint and start timing requests."""
    app.register_blueprint(blp)
    app.extensions["infrashare_metrics"] = install(app, index_state)
