"""Rate limiting answers 429 in the one error shape once a client exceeds its budget."""

from __future__ import annotations

import pytest


@pytest.fixture
def limited_app(database_url):
    from api import create_app

    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "t", "RATELIMIT_DEFAULT": "5 per minute"}
    )
    yield app
    app.extensions["infrashare"].engine.dispose()


def test_the_sixth_request_in_a_minute_is_429(limited_app):
    client = limited_app.test_client()
    statuses = [client.get("/api/v1/assets").status_code for _ in range(5)]
    assert statuses == [401] * 5  # limited before authentication: guessing costs too
    last = client.get("/api/v1/assets")
    assert last.status_code == 429
    assert set(last.json) == {"code", "status", "message", "errors"}
    assert last.json["status"] == "too_many_requests"
    assert "Retry-After" in last.headers or "X-RateLimit-Reset" in last.headers


def test_map_tiles_have_their_own_larger_budget(limited_app):
    client = limited_app.test_client()
    statuses = {client.get("/tiles/12/3280/1781.mvt").status_code for _ in range(8)}
    assert statuses == {401}  # past the 5/minute API budget, tiles still answer
