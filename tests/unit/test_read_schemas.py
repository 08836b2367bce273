"""The API's schemas write the registry's read models: computed parts win over the row's
columns, optional keys appear only when they apply, and a webhook body's event has the same
shape as the inbox's. No database: transient rows and frozen read models."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import Point

from api.build_requests.schemas import BuildRequestSchema
from api.co_build.schemas import CoBuildGroupSchema
from api.events.schemas import EventSchema
from api.share_requests.schemas import ShareRequestSchema
from registry.notify.delivery import event_message
from registry.notify.models import Event
from registry.planning.co_build_queries import CoBuildGroupView, MemberView
from registry.planning.models import CoBuildGroup
from registry.workflow.models import BuildRequest, ShareRequest
from registry.workflow.queries import BuildRequestView, HeldSwap, share_request_view

T = dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)


def _share_request(**kw) -> ShareRequest:
    values = dict(id=7, asset_id=1, resource="fiber_core", requester_id=2, owner_id=3)
    values.update(state="pending", units=None, count=2, purpose="ring", allocation_id=None)
    values.update(swap_asset_id=None, hold_expires_at=T, due_at=T, created_at=T, updated_at=T)
    return ShareRequest(**{**values, **kw})


def test_a_lapsed_hold_is_shown_expired_though_the_row_still_says_pending():
    sr = _share_request()
    shown = ShareRequestSchema().dump(share_request_view(sr, {}, now=T + dt.timedelta(seconds=1)))
    assert (sr.state, shown["state"]) == ("pending", "expired")
    assert shown["created_at"] == T.isoformat() and shown["units"] == []


@pytest.mark.parametrize(
    ("asked", "requested"),
    [({"count": 2}, {"count": 2}), ({"units": [13, 14], "count": 2}, {"units": [13, 14]})],
)
def test_requested_says_what_was_asked_units_before_count(asked, requested):
    view = share_request_view(_share_request(**asked), {}, now=T)
    assert ShareRequestSchema().dump(view)["requested"] == requested


def test_the_swap_key_appears_only_for_a_core_swap():
    plain = share_request_view(_share_request(), {}, now=T)
    assert "swap" not in ShareRequestSchema().dump(plain)
    swapped = share_request_view(_share_request(swap_asset_id=9, swap_allocation_id=None), {}, T)
    assert swapped.swap == HeldSwap(9, (), None)
    assert ShareRequestSchema().dump(swapped)["swap"] == {
        "asset_id": 9,
        "units": [],
        "allocation_id": None,
    }


def test_a_build_request_is_written_with_its_geometry_as_geojson_and_its_latest_verdict():
    br = BuildRequest(id=4, kind="site", state="pending", requester_id=2, geom=Point(108.3, 22.8))
    br.needs, br.wanted_date, br.due_at, br.created_at = {"antenna_mount": 1}, T.date(), T, T
    shown = BuildRequestSchema().dump(BuildRequestView(br, "share"))
    geometry = shown["geometry"]
    assert (geometry["type"], list(geometry["coordinates"])) == ("Point", [108.3, 22.8])
    assert (shown["verdict"], shown["wanted_date"], shown["paused_at"]) == (
        "share",
        "2026-03-04",
        None,
    )


@pytest.mark.parametrize(("kind", "absent"), [("site", "shared_m"), ("route", "sites")])
def test_a_co_build_group_shows_the_measure_of_its_kind_only(kind, absent):
    group = CoBuildGroup(id=1, kind=kind, state="open", created_at=T, decided_at=None)
    route = kind == "route"
    view = CoBuildGroupView(
        row=group,
        state="open",
        build_request_ids=(4, 5),
        members=(MemberView(4, "member", True), MemberView(5, "member", False)),
        saving=1234.5678,
        currency="EUR",
        shared_m=656.04 if route else None,
        sites=None if route else 2,
    )
    shown = CoBuildGroupSchema().dump(view)
    assert absent not in shown and shown["saving"] == 1234.57
    assert shown.get("shared_m", 656.0) == 656.0 and shown.get("sites", 2) == 2


@pytest.mark.parametrize("read_at", [None, T + dt.timedelta(hours=1)])
def test_a_webhook_body_carries_the_event_as_the_inbox_shows_it(read_at):
    event = Event(
        id=3, org_id=2, kind="share_request_received", key="k", object_type="share_request"
    )
    event.object_id, event.payload, event.created_at, event.read_at = (
        "12",
        {"state": "pending"},
        T,
        read_at,
    )
    assert EventSchema().dump(event) == event_message(event)
    assert event_message(event)["object"] == "share_request:12"
