"""Every screen in Simplified Chinese, switched by ?lang= and remembered."""

from __future__ import annotations

import re

import pytest

from tests.e2e.web.browser import open_page, sign_in

pytestmark = pytest.mark.parametrize("database_url", ["spatialite"], indirect=True)

CJK = re.compile(r"[\u4e00-\u9fff]")
SCREENS = {
    "operator": ["/", "/find", "/plan", "/requests"],
    "owner": ["/my-assets", "/incoming", "/import", "/grants"],
    "approver": ["/queue", "/kpis", "/inbox"],
    "admin": ["/admin"],
}
# English UI words that must not remain on a Chinese screen (user data aside).
ENGLISH_UI = ["Find sharing", "Sign out", "My requests", "Legend", "Search", "Nothing here"]


def _settled(page):
    page.wait_for_load_state("networkidle")


def test_every_screen_shows_chinese(browser, server, world, shots):
    for role, paths in SCREENS.items():
        page = open_page(browser)
        page.goto(f"{server}/login?lang=zh-CN")
        assert "登录" in page.locator("h1").inner_text()
        sign_in(page, server, world.tokens[role], paths[0])
        for path in paths:
            page.goto(f"{server}{path}")  # no ?lang: the choice is remembered
            _settled(page)
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            heading = page.locator("h1").inner_text()
            nav = page.locator("header nav").inner_text()
            assert CJK.search(heading) and CJK.search(nav), (path, heading, nav)
            body = page.locator("main").inner_text()
            leftovers = [w for w in ENGLISH_UI if w in body]
            assert not leftovers, (path, leftovers)
            shots(page, f"{role}{path.replace('/', '-') or '-map'}")
        page.goto(f"{server}{paths[0]}?lang=en")
        assert page.locator("header nav").get_by_text("Map", exact=True).count() == 1
        page.context.close()
