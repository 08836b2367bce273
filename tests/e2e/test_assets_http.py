"""GET /api/v1/assets over real HTTP: every filter agrees with a brute-force answer."""

from __future__ import annotations

import random

import pytest
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, shape

from registry.db.uow import Actor, UnitOfWork
from registry.inventory import allocations

GEOD = Geod(ellps="WGS84")
CENTRE = (108.366, 22.817)
ORGS = [
    ("China Tower Guangxi", "tower_company"),
    ("China Mobile Nanning", "telecom"),
    ("Guangxi Power Grid", "power"),
    ("Nanning Municipal", "municipal"),
]


def true_distance_m(geom, lon, lat) -> float:
    """Brute force: geodesic for points; for lines, densify to ~0.5 m in a local projection."""
    if isinstance(geom, Point):
        return GEOD.inv(geom.x, geom.y, lon, lat)[2]
    aeqd = Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84", always_xy=True
    )
    xs, ys = aeqd.transform(*zip(*geom.coords, strict=True))
    local = LineString(zip(xs, ys, strict=True))
    nearest = local.interpolate(local.project(Point(0, 0)))
    back = aeqd.transform(nearest.x, nearest.y, direction="INVERSE")
    return GEOD.inv(back[0], back[1], lon, lat)[2]


def _registry(http, base: str, app) -> list[dict]:
    rng = random.Random(7)
    org_ids = [
        http.post(f"{base}/api/v1/organisations", json={"name": n, "sector": s}).json()["id"]
        for n, s in ORGS
    ]
    for i in range(60):
        lon = CENTRE[0] + rng.uniform(-0.02, 0.02)
        lat = CENTRE[1] + rng.uniform(-0.02, 0.02)
        owner = rng.choice(org_ids)
        status = rng.choice(["in_service", "in_service", "planned", "decommissioned"])
        if i % 3 == 2:
            geometry = {
                "type": "LineString",
                "coordinates": [
                    [lon, lat],
                    [lon + rng.uniform(-0.01, 0.01), lat + rng.uniform(-0.01, 0.01)],
                ],
            }
            props = {"kind": "fiber_cable", "capacity": {"fiber_core": {"total": 24}}}
        else:
            kind = rng.choice(["tower", "rooftop", "pole"])
            geometry = {"type": "Point", "coordinates": [lon, lat]}
            props = {"kind": kind, "capacity": {"antenna_mount": {"total": rng.randint(1, 6)}}}
        props |= {"owner_id": owner, "owner_ref": f"A{i}", "status": status}
        r = http.post(
            f"{base}/api/v1/assets",
            json={"type": "Feature", "geometry": geometry, "properties": props},
        )
        assert r.status_code == 201, r.text
    _hold_some_capacity(app, org_ids[1])
    everything = http.get(f"{base}/api/v1/assets", params={"limit": 1000}).json()
    assert everything["numberMatched"] == 60
    return everything["features"]


def _hold_some_capacity(app, tenant_id: int) -> None:
    factory = app.extensions["infrashare"].session_factory
    for asset_id in range(1, 61, 4):
        with UnitOfWork(factory, Actor.system("test")) as uow:
            resource = "fiber_core" if asset_id % 3 == 0 else "antenna_mount"
            allocations.allocate(uow, asset_id, resource, tenant_id, count=1)


@pytest.fixture
def registry(live_server, app, http):
    return live_server, _registry(http, live_server, app)


def _ids(http, base, **params) -> list[int]:
    r = http.get(f"{base}/api/v1/assets", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    return [f["id"] for f in r.json()["features"]]


def test_kind_owner_sector_and_status_filters_agree_with_brute_force(registry, http):
    base, features = registry
    by = {f["id"]: f["properties"] for f in features}
    assert _ids(http, base, kind=["tower", "pole"]) == sorted(
        i for i, p in by.items() if p["kind"] in ("tower", "pole")
    )
    assert _ids(http, base, kind="rooftop,fiber_cable") == sorted(
        i for i, p in by.items() if p["kind"] in ("rooftop", "fiber_cable")
    )
    assert _ids(http, base, owner_id=2) == sorted(i for i, p in by.items() if p["owner_id"] == 2)
    assert _ids(http, base, sector="power") == sorted(
        i for i, p in by.items() if p["owner_sector"] == "power"
    )
    assert _ids(http, base, status="planned") == sorted(
        i for i, p in by.items() if p["status"] == "planned"
    )


def test_bbox_returns_exactly_the_assets_that_meet_the_box(registry, http):
    base, features = registry
    box = (108.36, 22.81, 108.375, 22.825)
    frame = shape(
        {
            "type": "Polygon",
            "coordinates": [
                [
                    (box[0], box[1]),
                    (box[2], box[1]),
                    (box[2], box[3]),
                    (box[0], box[3]),
                    (box[0], box[1]),
                ]
            ],
        }
    )
    expected = sorted(f["id"] for f in features if shape(f["geometry"]).intersects(frame))
    assert expected, "the box should catch something"
    assert _ids(http, base, bbox=",".join(map(str, box))) == expected


def test_near_returns_true_metres_nearest_first(registry, http):
    base, features = registry
    lon, lat, radius = 108.368, 22.815, 1500.0
    truth = {f["id"]: true_distance_m(shape(f["geometry"]), lon, lat) for f in features}
    r = http.get(
        f"{base}/api/v1/assets", params={"near": f"{lon},{lat}", "radius_m": radius, "limit": 1000}
    )
    got = [(f["id"], f["properties"]["distance_m"]) for f in r.json()["features"]]
    expected = {i for i, d in truth.items() if d <= radius - 0.5}
    borderline = {i for i, d in truth.items() if abs(d - radius) <= 0.5}
    assert expected <= {i for i, _ in got} <= expected | borderline
    for asset_id, distance in got:
        assert distance == pytest.approx(truth[asset_id], abs=0.5)
    assert [d for _, d in got] == sorted(d for _, d in got)


def test_min_free_counts_live_allocations(registry, http):
    base, features = registry
    expected = sorted(
        f["id"]
        for f in features
        if f["properties"]["capacity"].get("antenna_mount", {}).get("free", 0) >= 3
    )
    assert _ids(http, base, min_free="antenna_mount:3") == expected
    cores = sorted(
        f["id"]
        for f in features
        if f["properties"]["capacity"].get("fiber_core", {}).get("free", 0) >= 24
    )
    assert _ids(http, base, min_free="fiber_core:24") == cores


def test_pages_add_up_to_the_whole_and_report_the_total(registry, http):
    base, features = registry
    seen = []
    for offset in range(0, 60, 25):
        body = http.get(f"{base}/api/v1/assets", params={"limit": 25, "offset": offset}).json()
        assert body["numberMatched"] == 60
        seen += [f["id"] for f in body["features"]]
    assert seen == sorted(f["id"] for f in features)
