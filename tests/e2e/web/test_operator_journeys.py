"""Operator journeys in the browser: find sharing at a site and along a route."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.web.browser import click_at, dblclick_at, goto_map, open_page, sign_in
from tests.e2e.web.world import CABLE, TOWER_AT


def _share_requests(server, token):
    r = requests.get(
        f"{server}/api/v1/share-requests", headers={"Authorization": f"Bearer {token}"}
    )
    return r.json()["items"]


def test_operator_clicks_near_a_tower_sees_candidates_and_files_a_share_request(
    browser, server, world, shots
):
    page = open_page(browser)
    sign_in(page, server, world.tokens["operator"], "/find")
    goto_map(page, server, "/find", *TOWER_AT, zoom=16)
    click_at(page, TOWER_AT[0] + 0.0004, TOWER_AT[1] + 0.0003)  # near the tower, not on it
    candidates = page.locator(".candidates li")
    candidates.first.wait_for()
    assert page.locator(".verdict").inner_text().endswith("Share")
    tower = candidates.filter(has_text=f"#{world.assets['tower']} ")
    assert tower.count() == 1
    shots(page, "candidates")
    tower.get_by_role("button", name="Request share").click()
    page.fill("#share-count", "1")
    page.fill("#share-purpose", "5G site NN-0042")
    page.get_by_role("button", name="Send request").click()
    page.locator("#share-result .ok").wait_for()
    shots(page, "share-request-sent")
    mine = _share_requests(server, world.tokens["operator"])
    assert [(r["asset_id"], r["state"], r["purpose"]) for r in mine] == [
        (world.assets["tower"], "pending", "5G site NN-0042")
    ]
    assert f"#{mine[0]['id']}" in page.locator("#share-result").inner_text()
    assert page.errors == [] and page.csp_violations == []


@pytest.mark.parametrize("database_url", ["spatialite"], indirect=True)
def test_operator_draws_a_route_and_sees_coverage_and_gaps(browser, server, world, shots):
    page = open_page(browser)
    sign_in(page, server, world.tokens["operator"], "/find")
    (x0, y0), (x1, _) = CABLE
    goto_map(page, server, "/find", (x0 + x1) / 2 + 0.002, y0, zoom=15)
    page.get_by_label("A route (click vertices, double-click to finish)").check()
    page.select_option("#need", "fiber_core")
    page.fill("#need-count", "12")
    page.fill("#radius", "30")
    # Along the cable for its eastern half, then 400 m further east where nothing runs.
    click_at(page, x0 + 0.004, y0 + 0.0001)
    click_at(page, x1, y0 + 0.0001)
    dblclick_at(page, x1 + 0.004, y0 + 0.0001)
    page.locator(".coverage").wait_for()
    coverage, gaps = page.locator(".coverage").inner_text(), page.locator(".gaps").inner_text()
    assert coverage.startswith("Covered ") and "(0%)" not in coverage and "(100%)" not in coverage
    assert gaps == "Gaps: 1"
    cable = page.locator(".candidates li").filter(has_text=f"#{world.assets['cable']} ")
    assert cable.count() == 1
    roles = page.evaluate(
        "window.infrashareMap.querySourceFeatures('overlay').map(f => f.properties.role || '')"
    )
    assert "covered" in roles and "gap" in roles
    shots(page, "route-coverage")
    assert page.errors == [] and page.csp_violations == []


@pytest.mark.parametrize("database_url", ["spatialite"], indirect=True)
def test_plan_a_route_shows_legs_or_says_the_planner_is_missing(
    browser, server, world, web_app, shots
):
    planner = any(r.rule == "/api/v1/plan/route" for r in web_app.url_map.iter_rules())
    page = open_page(browser)
    sign_in(page, server, world.tokens["operator"], "/plan")
    (x0, y0), (x1, _) = CABLE
    goto_map(page, server, "/plan", (x0 + x1) / 2, y0, zoom=15)
    page.locator("#plan-hint", has_text="start point A").wait_for()
    click_at(page, x0 - 0.001, y0 + 0.0002)
    page.locator("#plan-hint", has_text="end point B").wait_for()
    click_at(page, x1 + 0.001, y0 + 0.0002)
    if planner:
        page.locator("#plan-results table.legs tbody tr").first.wait_for()
        types = page.locator("#plan-results table.legs tbody tr").evaluate_all(
            "rows => rows.map(r => r.className)"
        )
        assert set(types) <= {"reuse", "new_trench", "lateral"} and "reuse" in types
        # The plan is shown; the map waits for the next one's A, and says so.
        page.locator("#plan-hint", has_text="new start point A to plan another route").wait_for()
    else:
        note = page.locator("#plan-results .note")
        note.wait_for()
        assert note.inner_text() == "The route planner is not available on this server yet."
    shots(page, "plan")
    assert page.errors == [] and page.csp_violations == []
