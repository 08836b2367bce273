"""Every response carries the security headers; CORS is closed unless origins are listed."""

from __future__ import annotations

import pytest

from api.security import CONTENT_SECURITY_POLICY

BRIEF_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data: blob:; worker-src 'self' blob:; child-src blob:; connect-src 'self'; "
    "font-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def test_the_policy_is_the_agreed_one():
    assert CONTENT_SECURITY_POLICY == BRIEF_CSP


@pytest.mark.parametrize("path", ["/api/v1/assets", "/api/v1/openapi.json", "/healthz", "/nope"])
def test_every_response_has_the_security_headers(app, path):
    r = app.test_client().get(path)
    assert r.headers["Content-Security-Policy"] == BRIEF_CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_cors_is_closed_by_default(app, make_token):
    headers = {"Origin": "https://evil.example", "Authorization": f"Bearer {make_token()}"}
    r = app.test_client().get("/api/v1/assets", headers=headers)
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers
    preflight = app.test_client().options(
        "/api/v1/assets",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


@pytest.fixture
def cors_app(database_url):
    from api import create_app

    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "t", "CORS_ORIGINS": ("https://gis.example",)}
    )
    yield app
    app.extensions["infrashare"].engine.dispose()


def test_listed_origins_get_cors_and_a_preflight_without_token(cors_app):
    client = cors_app.test_client()
    preflight = client.options(
        "/api/v1/assets",
        headers={"Origin": "https://gis.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://gis.example"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    other = client.get("/api/v1/assets", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]
