"""The API docs page works under the Content-Security-Policy (no inline script)."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.parametrize("database_url", ["spatialite"], indirect=True)
def test_the_docs_page_renders_with_no_csp_violation(live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            violations = []
            page.on(
                "console",
                lambda m: violations.append(m.text) if "Content Security" in m.text else None,
            )
            page.goto(f"{live_server}/api/v1/docs")
            page.wait_for_selector(".opblock", timeout=20_000)  # operations listed
            assert violations == []
        finally:
            browser.close()
