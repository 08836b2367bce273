"""Owner and approver journeys in the browser: answer a share request, decide a build request."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.web.browser import open_page, sign_in, wait_for_map
from tests.e2e.web.world import TOWER_AT

pytestmark = pytest.mark.parametrize("database_url", ["spatialite"], indirect=True)


def _api(server, token, method, path, **kw):
    r = requests.request(
        method, f"{server}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, **kw
    )
    assert r.status_code < 400, r.text
    return r.json()


def test_owner_sees_an_incoming_share_request_and_accepts_it(browser, server, world, shots):
    sr = _api(
        server,
        world.tokens["operator"],
        "POST",
        "/share-requests",
        json={
            "asset_id": world.assets["tower"],
            "resource": "antenna_mount",
            "count": 2,
            "purpose": "LTE sector for NN-0042",
        },
    )
    page = open_page(browser)
    sign_in(page, server, world.tokens["owner"], "/incoming")
    row = page.locator(f"tr[data-request='{sr['id']}']")
    row.wait_for()
    assert "LTE sector for NN-0042" in row.inner_text()
    assert "Pending" in row.inner_text()
    shots(page, "incoming")
    row.get_by_label("Agreement reference").fill("CTG-AGR-2026-017")
    row.get_by_label("Sharing mode").select_option("co_location")
    row.get_by_role("button", name="Accept").click()
    page.locator(f"tr[data-request='{sr['id']}'] td.state-accepted").wait_for()
    shots(page, "accepted")
    stored = _api(server, world.tokens["owner"], "GET", f"/share-requests/{sr['id']}")
    assert (stored["state"], stored["agreement_ref"], stored["sharing_mode"]) == (
        "accepted",
        "CTG-AGR-2026-017",
        "co_location",
    )
    assert page.errors == [] and page.csp_violations == []


def test_approver_opens_a_build_request_sees_the_report_on_the_map_and_decides(
    browser, server, world, shots
):
    br = _api(
        server,
        world.tokens["operator"],
        "POST",
        "/build-requests",
        json={
            "geometry": {"type": "Point", "coordinates": [TOWER_AT[0] + 0.0005, TOWER_AT[1]]},
            "needs": {"antenna_mount": 1},
            "radius_m": 500,
            "purpose": "New 5G macro site",
        },
    )
    page = open_page(browser)
    sign_in(page, server, world.tokens["approver"], "/queue")
    link = page.get_by_role("link", name=f"#{br['id']}")
    link.wait_for()
    link.click()
    page.locator("body[data-loaded='1']").wait_for(state="attached")
    wait_for_map(page)
    assert "Share" in page.locator("#br-report .verdict").inner_text()
    assert (
        page.locator("#br-report .candidates li")
        .filter(has_text=f"#{world.assets['tower']} ")
        .count()
        == 1
    )
    drawn = page.evaluate("window.infrashareMap.querySourceFeatures('overlay').length")
    assert drawn >= 2  # the planned site and at least one candidate
    shots(page, "report")
    # The same rule as the API: building new where sharing was possible needs 30 characters.
    page.select_option("#decision", "approve_new_build")
    page.fill("#justification", "too short")
    page.get_by_role("button", name="Record decision").click()
    page.locator("#decide-result .error").wait_for()
    assert "30" in page.locator("#decide-result").inner_text()
    page.select_option("#decision", "require_share")
    page.select_option("#candidate", str(world.assets["tower"]))
    page.get_by_role("button", name="Record decision").click()
    page.locator("#br-head strong", has_text="Share required").wait_for()
    shots(page, "decided", full_page=True)
    stored = _api(server, world.tokens["approver"], "GET", f"/build-requests/{br['id']}")
    assert stored["state"] == "share_required"
    assert [d["decision"] for d in stored["decisions"]] == ["require_share"]
    assert page.locator("#br-audit td", has_text="require_share").count() >= 1
    page.goto(f"{server}/build-requests/{br['id']}/print")
    page.locator("body[data-loaded='1']").wait_for(state="attached")
    shots(page, "printable", full_page=True)
    assert page.errors == [] and page.csp_violations == []
