"""A confidential asset never reaches another organisation's map, panel or search; user text
is always shown as text."""

from __future__ import annotations

import pytest

from tests.e2e.web.browser import click_at, goto_map, open_page, sign_in
from tests.e2e.web.world import SECRET_AT, SECRET_REF, XSS_REF

pytestmark = pytest.mark.parametrize("database_url", ["spatialite"], indirect=True)

RENDERED_IDS = (
    "window.infrashareMap.queryRenderedFeatures()"
    ".filter(f => f.source === 'registry').map(f => f.id)"
)


def _counted(page, server) -> int:
    """The sum of the low-zoom counts over the cells of a view around the place."""
    page.goto("about:blank")
    goto_map(page, server, "/", *SECRET_AT, zoom=11)
    page.locator("button.count").first.wait_for()  # all cells' counts are placed at once
    return sum(int(t) for t in page.locator("button.count").all_inner_texts())


def _search(page, text):
    page.fill("#search", text)
    page.get_by_role("button", name="Go").click()


def test_a_confidential_asset_never_appears_on_another_organisations_map_panel_or_search(
    browser, server, world, shots
):
    secret = world.assets["secret"]
    page = open_page(browser)
    sign_in(page, server, world.tokens["operator"])
    goto_map(page, server, "/", *SECRET_AT, zoom=17)
    page.wait_for_timeout(500)  # tiles of the view drawn (asserted below through the tower)
    shown = page.evaluate(RENDERED_IDS)
    assert world.assets["tower"] in shown and secret not in shown
    click_at(page, *SECRET_AT)
    assert page.locator("#panel").is_hidden() and page.locator("#chooser").is_hidden()
    _search(page, SECRET_REF)
    page.locator("#search-result", has_text="Nothing found").wait_for()
    _search(page, str(secret))
    page.locator("#search-result", has_text="Nothing found").wait_for()
    page.goto("about:blank")  # a permalink opened afresh, not a hash change
    page.goto(f"{server}/#map=17/{SECRET_AT[1]}/{SECRET_AT[0]}&asset={secret}")
    page.locator("#panel").get_by_text("Nothing found").wait_for()
    shots(page, "operator-view")
    assert SECRET_REF not in page.content()

    # Its owner, in the same place, sees it on the map and in the panel.
    owner = open_page(browser)
    sign_in(owner, server, world.tokens["other"])
    goto_map(owner, server, "/", *SECRET_AT, zoom=17)
    owner.wait_for_timeout(500)
    _search(owner, SECRET_REF)
    owner.locator("#panel dd", has_text=SECRET_REF).wait_for()
    assert secret in owner.evaluate(RENDERED_IDS)
    # At low zoom the map counts per cell: the owner's counts have the one asset more.
    assert _counted(owner, server) - _counted(page, server) == 1


def test_an_owner_ref_with_markup_is_shown_as_text(browser, server, world):
    page = open_page(browser)
    sign_in(page, server, world.tokens["operator"])
    goto_map(page, server, "/", 108.364, 22.8185, zoom=17)
    _search(page, XSS_REF)
    page.locator("#panel dd", has_text=XSS_REF).wait_for()
    assert page.locator("#panel img").count() == 0
    assert page.errors == []  # no alert() dialog, no script error
