"""Quality of the pages: no serious axe-core violation, keyboard use, a phone-sized screen,
and no Content-Security-Policy violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.web.browser import PHONE, goto_map, open_page, sign_in, wait_for_map
from tests.e2e.web.world import TOWER_AT

pytestmark = pytest.mark.parametrize("database_url", ["spatialite"], indirect=True)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = """async () => {
  const r = await axe.run(document);
  if (!r.passes.length) return ['axe checked nothing'];
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}"""
PAGES = {
    "operator": ["/", "/find", "/plan", "/requests"],
    "owner": ["/my-assets", "/incoming", "/import", "/grants"],
    "approver": ["/queue", "/kpis", "/inbox"],
    "admin": ["/admin"],
}


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(SERIOUS)


def test_no_page_has_a_serious_accessibility_violation(browser, server, world):
    found = {}
    login = open_page(browser, bypass_csp=True)  # axe is injected as a script for the test
    login.goto(f"{server}/login")
    found["/login"] = _axe(login)
    for role, paths in PAGES.items():
        page = open_page(browser, bypass_csp=True)
        sign_in(page, server, world.tokens[role], paths[0])
        for path in paths:
            page.goto(f"{server}{path}")
            page.wait_for_load_state("networkidle")
            found[path] = _axe(page)
        page.context.close()
    assert {p: v for p, v in found.items() if v} == {}


def test_the_map_can_be_searched_with_the_keyboard_alone(browser, server, world):
    page = open_page(browser)
    sign_in(page, server, world.tokens["operator"])
    wait_for_map(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    for _ in range(30):  # tab on until the search box has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "search":
            break
    page.keyboard.type(f"{TOWER_AT[1]}, {TOWER_AT[0]}")  # lat,lon: detected and said
    page.keyboard.press("Enter")
    page.locator("#search-result", has_text="swapped").wait_for()
    page.keyboard.type("")
    page.fill("#search", "CTG-TWR-0001")
    page.keyboard.press("Enter")
    page.locator("#panel h2", has_text=f"#{world.assets['tower']}").wait_for()
    assert page.errors == [] and page.csp_violations == []


def test_a_phone_sized_screen_shows_the_map_and_its_controls_without_sideways_scrolling(
    browser, server, world, shots
):
    page = open_page(browser, viewport=PHONE)
    sign_in(page, server, world.tokens["operator"], "/find")
    goto_map(page, server, "/find", *TOWER_AT, zoom=16)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    for selector in ("#map", "#search", "#need"):
        box = page.locator(selector).bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, selector
    assert page.locator("#map").bounding_box()["height"] >= 300
    shots(page, "phone")
    assert page.errors == [] and page.csp_violations == []


def test_a_configured_xyz_basemap_lies_under_the_registry_with_its_attribution(
    browser, server, world, web_app
):
    web_app.config["BASEMAP_STYLE"] = "/basemap/{z}/{x}/{y}.png"
    web_app.config["BASEMAP_ATTRIBUTION"] = "© Nanning Survey"
    page = open_page(browser)
    sign_in(page, server, world.tokens["operator"])
    page.locator("canvas.maplibregl-canvas").wait_for()
    # No tile server here (its tiles 404), so wait for the style, not for a drawn view.
    for _ in range(100):
        if page.evaluate("window.infrashareMap && window.infrashareMap.isStyleLoaded()"):
            break
        page.wait_for_timeout(100)
    layers = page.evaluate("window.infrashareMap.getStyle().layers.map(l => l.id)")
    assert layers.index("basemap") < layers.index("asset-tower")
    assert "© Nanning Survey" in page.locator(".maplibregl-ctrl-attrib").inner_text()


def test_kpis_and_inbox_show_their_data_or_say_that_the_server_has_none(
    browser, server, world, web_app
):
    rules = {r.rule for r in web_app.url_map.iter_rules()}
    page = open_page(browser)
    sign_in(page, server, world.tokens["approver"], "/kpis")
    for path, api, note in (
        ("/kpis", "/api/v1/kpis", "KPIs are not available on this server yet."),
        ("/inbox", "/api/v1/events", "The inbox is not available on this server yet."),
    ):
        page.goto(f"{server}{path}")
        page.locator("body[data-loaded='1']").wait_for(state="attached")
        content = page.locator("#content")
        if api in rules:
            assert (
                content.locator("table, p").count() >= 1 and not content.locator(".error").count()
            )
        else:
            assert content.locator(".note").inner_text() == note
    assert page.errors == [] and page.csp_violations == []
