"""The rate limiter on a bare Flask app: budgets per endpoint, its headers, its exemptions."""

from __future__ import annotations

import time

from flask import Blueprint, Flask

from api import ratelimit


def _app(tmp_path, **config) -> Flask:
    """Two plain endpoints, a tile endpoint, a probe, a static file; then the limiter."""
    (tmp_path / "app.js").write_text("//")
    app = Flask(__name__, static_folder=str(tmp_path), static_url_path="/static")
    settings = {"TRUSTED_PROXIES": (), "RATELIMIT_DEFAULT": "3 per minute"}
    app.config.update(settings, TILE_RATE_LIMIT="5 per minute", **config)
    app.add_url_rule("/a", "a", lambda: "a")
    app.add_url_rule("/b", "b", lambda: "b")
    tiles, ops = Blueprint("tiles", __name__), Blueprint("ops", __name__)
    tiles.add_url_rule("/tile", "VectorTile", lambda: "tile")
    ops.add_url_rule("/healthz", "healthz", lambda: "ok")
    app.register_blueprint(tiles)
    app.register_blueprint(ops)
    ratelimit.register(app)
    return app


def test_each_answer_says_the_budget_and_the_429_says_when_to_retry(tmp_path):
    client = _app(tmp_path).test_client()
    before = time.time()
    first = client.get("/a")
    assert first.status_code == 200
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == (
        "3",
        "2",
    )
    assert before + 60 <= int(first.headers["X-RateLimit-Reset"]) <= time.time() + 61
    assert [client.get("/a").status_code for _ in range(2)] == [200, 200]
    spent = client.get("/a")
    assert spent.status_code == 429
    assert set(spent.json) == {"code", "status", "message", "errors"}
    assert spent.json["status"] == "too_many_requests"
    assert "3 per 1 minute" in spent.json["message"]
    assert 1 <= int(spent.headers["Retry-After"]) <= 60
    assert spent.headers["X-RateLimit-Remaining"] == "0"


def test_every_endpoint_has_its_budget_and_tiles_a_larger_one(tmp_path):
    client = _app(tmp_path).test_client()
    assert [client.get("/a").status_code for _ in range(4)] == [200] * 3 + [429]
    assert [client.get("/b").status_code for _ in range(4)] == [200] * 3 + [429]
    tiles = [client.get("/tile") for _ in range(6)]
    assert [r.status_code for r in tiles] == [200] * 5 + [429]
    assert tiles[0].headers["X-RateLimit-Limit"] == "5"


def test_probes_and_static_files_are_not_counted(tmp_path):
    client = _app(tmp_path, RATELIMIT_DEFAULT="1 per minute").test_client()
    for path in ("/healthz", "/static/app.js"):
        answers = [client.get(path) for _ in range(3)]
        assert {r.status_code for r in answers} == {200}
        assert not any("X-RateLimit-Limit" in r.headers for r in answers)


def test_the_switch_turns_limiting_off(tmp_path):
    app = _app(tmp_path, RATELIMIT_DEFAULT="1 per minute", RATELIMIT_ENABLED=False)
    client = app.test_client()
    answers = [client.get("/a") for _ in range(3)]
    assert {r.status_code for r in answers} == {200}
    assert "X-RateLimit-Limit" not in answers[0].headers
