"""Browser journeys: Debian's Chromium driven by pytest-playwright against a live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.web.world import build_world

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "web"
# The shared security headers' CSP (BRIEF.md), applied here too, so that the journeys prove
# the pages work under it (no inline script) even before api/security.py sets it.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; worker-src 'self' blob:; child-src blob:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (scripts/bootstrap.sh installs it)")
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture
def web_app(app):
    @app.after_request
    def _csp(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    return app


@pytest.fixture
def world(web_app, make_token):
    return build_world(web_app, make_token)


@pytest.fixture
def server(web_app, world, live_server):
    return live_server


@pytest.fixture
def shots(request):
    """shots("name") saves a screenshot of the page under test-artifacts/web/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test = request.node.name.replace("[", "-").replace("]", "")

    def _save(page, name: str, full_page: bool = False) -> Path:
        path = ARTIFACTS / f"{test}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return _save
