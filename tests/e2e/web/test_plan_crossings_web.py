"""Plan a route across the demo city's railway: the crossings are listed, priced and drawn."""

from __future__ import annotations

import numpy as np
import pytest

from tests.e2e.web.browser import click_at, goto_map, open_page, sign_in
from tests.e2e.web.world import World

pytestmark = pytest.mark.parametrize("database_url", ["spatialite"], indirect=True)

# South of the railway and the arterial beside it, and north of both (scale 0.02 demo city).
SOUTH, NORTH = (108.3610, 22.8120), (108.3615, 22.8200)
HINTS = {"en": ("start point A", "end point B"), "zh-CN": ("起点 A", "终点 B")}
NAMES = {"rail": ("rail line", "rail lines"), "major_road": ("major road", "major roads")}


@pytest.fixture
def world(web_app, make_token):
    """The demo city (a small one) with its barriers, and an operator to plan in it."""
    seeded = web_app.test_cli_runner().invoke(args=["seed", "demo", "--scale", "0.02"])
    assert "rail barriers: 1 created" in seeded.output, seeded.output
    token = make_token("China Mobile Nanning", "operator", sector="telecom")
    return World(tokens={"operator": token}, orgs={})


def _plan_across(page, server, world, lang="en"):
    """Click A south of the railway and B north of it; the plan the page was answered."""
    sign_in(page, server, world.tokens["operator"], "/plan")
    goto_map(page, server, f"/plan?lang={lang}", *np.mean([SOUTH, NORTH], axis=0), 15.5)
    page.locator("#plan-hint", has_text=HINTS[lang][0]).wait_for()
    click_at(page, *SOUTH)
    page.locator("#plan-hint", has_text=HINTS[lang][1]).wait_for()
    with page.expect_response("**/api/v1/plan/route") as answer:
        click_at(page, *NORTH)
    page.locator("#plan-results table.legs").first.wait_for()
    return answer.value.json()


def _words(kinds: dict[str, int]) -> list[str]:
    return [f"{n} {NAMES[kind][n != 1]}" for kind, n in kinds.items()]


def test_a_route_across_the_railway_lists_prices_and_draws_its_crossings(
    browser, server, world, shots
):
    page = open_page(browser)
    plan = _plan_across(page, server, world)
    crossing = [leg for leg in plan["legs"] if leg.get("crossings", {}).get("count")]
    assert crossing, "the straight way north crosses the railway: the plan must pay for it"
    table = page.locator("#plan-results table.legs").first
    assert table.locator("tbody tr:not(.crossings)").count() == len(plan["legs"])
    rows = table.locator("tbody tr.crossings").all_inner_texts()  # one under each leg that crosses
    assert len(rows) == len(crossing)
    for row, leg in zip(rows, crossing, strict=True):
        assert row.startswith("Crosses ") and row.endswith(f": €{leg['crossings']['cost']:,.0f}")
        assert all(words in row for words in _words(leg["crossings"]["kinds"])), row
    total = page.locator("#plan-results .plan-total").first.inner_text()
    kinds = {}
    for leg in crossing:
        for kind, n in leg["crossings"]["kinds"].items():
            kinds[kind] = kinds.get(kind, 0) + n
    spent = sum(leg["crossings"]["cost"] for leg in crossing)
    assert f"including €{spent:,.0f} to cross " in total, total
    assert all(words in total for words in _words(kinds)), total
    marks = page.evaluate(  # a feature may come once per tile it lies in: keyed by its n
        "Object.fromEntries(window.infrashareMap.querySourceFeatures('overlay')"
        ".filter(f => f.properties.role === 'crossing')"
        ".map(f => [f.properties.n, f.properties.kind]))"
    )
    assert sorted(marks.values()) == sorted(k for k, n in kinds.items() for _ in range(n))
    key = page.locator("#plan-results .crossing-key").inner_text()
    assert all(f"Crosses a {NAMES[kind][0]}" in key for kind in kinds), key
    shots(page, "crossings")
    assert page.errors == [] and page.csp_violations == []


def test_the_crossings_read_in_chinese(browser, server, world, shots):
    page = open_page(browser)
    plan = _plan_across(page, server, world, "zh-CN")
    rail = sum(leg.get("crossings", {}).get("kinds", {}).get("rail", 0) for leg in plan["legs"])
    assert rail, "the straight way north crosses the railway"
    row = page.locator("#plan-results table.legs tbody tr.crossings").first.inner_text()
    total = page.locator("#plan-results .plan-total").first.inner_text()
    assert row.startswith("穿越") and "条铁路" in row and "其中穿越" in total, (row, total)
    assert "穿越铁路处" in page.locator("#plan-results .crossing-key").inner_text()
    shots(page, "crossings-zh")
    assert page.errors == [] and page.csp_violations == []
