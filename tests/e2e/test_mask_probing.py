"""Narrowing filters cannot locate a restricted asset better than its mask shows it.

An operator who is not entitled sees a restricted tower snapped to the 100 m grid. Bisecting
a bbox, or searching the radius at which it enters a `near` query from three places, must
converge on the shown (masked) position, never on the precise one; and the probing shows up
in the audit.
"""

from __future__ import annotations

import math

import mapbox_vector_tile
import numpy as np
import pytest
import sqlalchemy as sa
from pyproj import Geod
from scipy.optimize import least_squares

from api.extensions import probe_log
from registry.inventory.models import AuditEntry
from tests.factories import line_feature

GEOD = Geod(ellps="WGS84")
PRECISE = (108.3676, 22.8176)  # a restricted tower; its mask lies about 61 m away
REFERENCES = [(108.3600, 22.8100), (108.3750, 22.8110), (108.3650, 22.8250)]


def _metres(a, b) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


@pytest.fixture
def probe(app, make_token):
    """(a GET as the unentitled operator, the tower's id, its shown position)."""
    owner = make_token("Guangxi Power Grid", "owner", sector="power")
    operator = make_token("China Mobile Nanning", "operator", sector="telecom")
    c = app.test_client()
    owner_id = next(
        o["id"]
        for o in c.get("/api/v1/organisations", headers={"Authorization": f"Bearer {owner}"}).json[
            "items"
        ]
        if o["name"] == "Guangxi Power Grid"
    )
    tower = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(PRECISE)},
        "properties": {
            "kind": "tower",
            "owner_id": owner_id,
            "owner_ref": "GXPG-R-1",
            "sensitivity": "restricted",
            "capacity": {"antenna_mount": {"total": 6}},
        },
    }
    r = c.post("/api/v1/assets", json=tower, headers={"Authorization": f"Bearer {owner}"})
    assert r.status_code == 201, r.json
    asset_id = r.json["id"]

    def get(path, **params):
        r = c.get(path, query_string=params, headers={"Authorization": f"Bearer {operator}"})
        assert r.status_code == 200, r.json
        return r.json

    shown = get(f"/api/v1/assets/{asset_id}")
    assert shown["properties"]["masked"] is True
    return get, asset_id, tuple(shown["geometry"]["coordinates"])


def _in_bbox(get, asset_id, box) -> bool:
    features = get("/api/v1/assets", bbox=",".join(f"{v:.10f}" for v in box))["features"]
    return asset_id in [f["id"] for f in features]


def test_bisecting_a_bbox_finds_the_mask_not_the_tower(probe):
    get, asset_id, shown = probe
    box = [108.35, 22.80, 108.39, 22.83]
    assert _in_bbox(get, asset_id, box)
    for _ in range(22):
        for axis in (0, 1):
            mid = (box[axis] + box[axis + 2]) / 2
            low = list(box)
            low[axis + 2] = mid
            box = low if _in_bbox(get, asset_id, low) else [*box[:axis], mid, *box[axis + 1 :]]
    found = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    assert _metres(found, shown) < 0.5
    assert _metres(found, PRECISE) > 50


def _entry_radius(get, asset_id, ref) -> float:
    """The smallest radius (to 1 cm) at which the tower is listed near `ref`."""
    low, high = 0.0, 5000.0
    near = f"{ref[0]},{ref[1]}"
    while high - low > 0.01:
        mid = (low + high) / 2
        ids = [f["id"] for f in get("/api/v1/assets", near=near, radius_m=mid)["features"]]
        low, high = (low, mid) if asset_id in ids else (mid, high)
    return high


def test_trilaterating_with_near_finds_the_mask_not_the_tower(probe):
    get, asset_id, shown = probe
    radii = [_entry_radius(get, asset_id, ref) for ref in REFERENCES]

    lat0 = np.radians(PRECISE[1])

    def local(p):  # metres east and north of the first reference
        return np.array(
            [
                (p[0] - REFERENCES[0][0]) * 111_320 * np.cos(lat0),
                (p[1] - REFERENCES[0][1]) * 110_574,
            ]
        )

    refs = [local(r) for r in REFERENCES]

    def misfit(xy):
        return [np.hypot(*(xy - c)) - d for c, d in zip(refs, radii, strict=True)]

    fit = least_squares(misfit, refs[0])
    assert np.hypot(*(fit.x - local(shown))) < 2.0
    assert np.hypot(*(fit.x - local(PRECISE))) > 50


def test_probing_is_visible_in_the_audit(app, probe):
    get, asset_id, _ = probe
    get("/api/v1/assets", bbox="108.36,22.81,108.38,22.83")
    get("/api/v1/assets", near="108.3676,22.8176", radius_m=500)
    get("/api/v1/assets", bbox="108.30,22.70,108.31,22.71")  # touches nothing masked
    get("/ogc/collections/tower/items", bbox="108.36,22.81,108.38,22.83")
    probe_log(app).flush()  # the entries are written within a second; now, for the test
    with app.extensions["infrashare"].session_factory() as session:
        entries = list(
            session.scalars(
                sa.select(AuditEntry)
                .where(AuditEntry.object_type == "masked_query")
                .order_by(AuditEntry.id)
            )
        )
    assert [(e.after["where"], e.after["filter"]) for e in entries] == [
        ("/api/v1/assets", {"bbox": [108.36, 22.81, 108.38, 22.83]}),
        ("/api/v1/assets", {"near": [108.3676, 22.8176], "radius_m": 500.0}),
        ("/ogc/collections/tower/items", {"bbox": [108.36, 22.81, 108.38, 22.83]}),
    ]
    assert all(e.after["masked_asset_ids"] == [asset_id] for e in entries)
    assert all(e.actor.startswith("China Mobile Nanning") for e in entries)


def test_ogc_bbox_is_judged_on_the_mask(probe):
    get, asset_id, shown = probe
    # A small box around the precise tower that misses its mask, and one around the mask.
    around_precise = [PRECISE[0] - 1e-4, PRECISE[1] - 1e-4, PRECISE[0] + 1e-4, PRECISE[1] + 1e-4]
    around_shown = [shown[0] - 1e-4, shown[1] - 1e-4, shown[0] + 1e-4, shown[1] + 1e-4]
    items = "/ogc/collections/tower/items"

    def ids(box):
        return [f["id"] for f in get(items, bbox=",".join(map(str, box)))["features"]]

    assert (ids(around_precise), ids(around_shown)) == ([], [asset_id])


def test_the_match_radius_is_judged_on_the_mask(app, probe, make_token):
    _, asset_id, shown = probe
    operator = make_token("China Mobile Nanning", "operator", sector="telecom")
    client, ref = app.test_client(), REFERENCES[0]

    def listed(radius_m: float) -> bool:
        body = {
            "location": {"type": "Point", "coordinates": list(ref)},
            "radius_m": radius_m,
            "needs": {"antenna_mount": 1},
        }
        r = client.post(
            "/api/v1/match/site", json=body, headers={"Authorization": f"Bearer {operator}"}
        )
        assert r.status_code == 200, r.json
        return asset_id in [c["asset_id"] for c in r.json["candidates"]]

    low, high = 100.0, 5000.0
    while high - low > 0.01:
        mid = (low + high) / 2
        low, high = (low, mid) if listed(mid) else (mid, high)
    # It enters one grid step after its mask does: nothing about the precise tower shows.
    assert abs(high - (_metres(ref, shown) + 100)) < 0.05
    assert abs(high - _metres(ref, PRECISE)) > 20


def test_a_masked_cable_is_listed_only_beyond_a_grid_step_inside_the_corridor(app, make_token):
    owner = make_token("Guangxi Power Grid", "owner", sector="power")
    operator = make_token("China Mobile Nanning", "operator", sector="telecom")
    c = app.test_client()
    orgs = c.get("/api/v1/organisations", headers={"Authorization": f"Bearer {owner}"}).json
    owner_id = next(o["id"] for o in orgs["items"] if o["name"] == "Guangxi Power Grid")
    cable = line_feature(
        owner_id, [(108.360, 22.8103), (108.370, 22.8103)], sensitivity="restricted"
    )
    r = c.post("/api/v1/assets", json=cable, headers={"Authorization": f"Bearer {owner}"})
    assert r.status_code == 201, r.json

    def report(corridor_m):
        body = {
            "route": {"type": "LineString", "coordinates": [[108.360, 22.810], [108.370, 22.810]]},
            "corridor_m": corridor_m,
            "needs": {"fiber_core": 12},
        }
        auth = {"Authorization": f"Bearer {operator}"}
        answer = c.post("/api/v1/match/route", json=body, headers=auth)
        assert answer.status_code == 200, answer.json
        listed = [x["asset_id"] for x in answer.json["candidates"]]
        return listed, answer.json["hidden_candidates"]["count"]

    # About 33 m from the route: within a 50 m corridor, but its mask may lie anywhere in the
    # grid cell, so only a corridor a grid step wider lists it.
    assert report(50) == ([], 1)
    assert report(400) == ([r.json["id"]], 0)


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def test_tiles_place_a_masked_asset_in_the_tile_of_its_mask(app, probe, make_token):
    _, asset_id, shown = probe
    operator = make_token("China Mobile Nanning", "operator", sector="telecom")
    client, z = app.test_client(), 20

    def ids_in(x: int, y: int) -> set[int]:
        r = client.get(f"/tiles/{z}/{x}/{y}.mvt", headers={"Authorization": f"Bearer {operator}"})
        assert r.status_code == 200
        layers = mapbox_vector_tile.decode(r.data).values() if r.data else []
        return {f["id"] for layer in layers for f in layer["features"]}

    precise_tile, shown_tile = _tile_of(*PRECISE, z), _tile_of(*shown, z)
    assert precise_tile != shown_tile  # ~61 m apart; z20 tiles are ~35 m wide here
    assert (asset_id in ids_in(*shown_tile), asset_id in ids_in(*precise_tile)) == (True, False)
