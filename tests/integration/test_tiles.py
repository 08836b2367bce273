"""/tiles/{z}/{x}/{y}.mvt: a layer per kind, right positions, caching, empty tiles, visibility."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from registry.access.visibility import snap
from registry.db.uow import UnitOfWork
from registry.inventory import allocations, assets
from registry.inventory.validation import parse_asset_feature
from tests.factories import line_feature, make_org, point_feature

TOWER = (108.36612, 22.81745)
Z = 16
TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
HALF = 20037508.342789244


def tile_of(lon: float, lat: float, z: int = Z) -> tuple[int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def pixel(lon: float, lat: float, z: int = Z) -> tuple[float, float]:
    """Where (lon, lat) falls in its tile, in tile units (0..4096, y down)."""
    x, y = tile_of(lon, lat, z)
    size = 2 * HALF / 2**z
    mx, my = TO_MERCATOR.transform(lon, lat)
    return (mx - (-HALF + x * size)) / size * 4096, ((HALF - y * size) - my) / size * 4096


def _decode(response) -> dict:
    return mapbox_vector_tile.decode(response.data, default_options={"y_coord_down": True})


def _create(session_factory, actor, feature) -> int:
    with UnitOfWork(session_factory, actor) as uow:
        return assets.create_asset(uow, parse_asset_feature(feature)).id


def _url(lon=TOWER[0], lat=TOWER[1], z=Z) -> str:
    x, y = tile_of(lon, lat, z)
    return f"/tiles/{z}/{x}/{y}.mvt"


def test_a_tile_has_a_layer_per_kind_with_what_a_map_needs(client, session_factory, actor):
    owner = make_org(session_factory)
    tenant = make_org(session_factory, "China Mobile Nanning", "telecom")
    tower = _create(session_factory, actor, point_feature(owner.id, *TOWER, height_m=40))
    with UnitOfWork(session_factory, actor) as uow:
        allocations.allocate(uow, tower, "antenna_mount", tenant.id, count=2)
    cable = _create(session_factory, actor, line_feature(
        owner.id, [(TOWER[0] - 0.001, TOWER[1] - 0.0005), (TOWER[0] + 0.001, TOWER[1] + 0.0005)]
    ))  # fmt: skip
    response = client.get(_url())
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    layers = _decode(response)
    assert sorted(layers) == ["fiber_cable", "tower"]
    (feature,) = layers["tower"]["features"]
    assert feature["id"] == tower
    assert feature["properties"] == {
        "kind": "tower", "owner": "China Tower Nanning", "status": "in_service",
        "free_antenna_mount": 4,
    }  # fmt: skip
    x, y = feature["geometry"]["coordinates"]
    assert (x, y) == pytest.approx(pixel(*TOWER), abs=1)
    (line,) = layers["fiber_cable"]["features"]
    assert line["id"] == cable and line["geometry"]["type"] == "LineString"
    assert line["properties"]["free_fiber_core"] == 48
    start = line["geometry"]["coordinates"][0]
    assert start == pytest.approx(pixel(TOWER[0] - 0.001, TOWER[1] - 0.0005), abs=1)


def test_tiles_are_cached_by_etag_until_the_registry_changes(client, session_factory, actor):
    owner = make_org(session_factory)
    _create(session_factory, actor, point_feature(owner.id, *TOWER))
    first = client.get(_url())
    assert first.headers["Cache-Control"] == "private, max-age=60"
    assert first.headers["ETag"].startswith('W/"')
    again = client.get(_url(), headers={"If-None-Match": first.headers["ETag"]})
    assert (again.status_code, again.data) == (304, b"")
    _create(session_factory, actor, point_feature(owner.id, TOWER[0] + 0.0001, TOWER[1]))
    changed = client.get(_url(), headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and len(_decode(changed)["tower"]["features"]) == 2


def test_a_tile_without_data_is_empty_and_bad_tiles_are_errors(client):
    empty = client.get(_url(lon=-60.0, lat=-30.0))
    assert (empty.status_code, empty.data) == (200, b"")
    too_deep = client.get("/tiles/25/0/0.mvt")
    assert (too_deep.status_code, list(too_deep.json["errors"])) == (422, ["z"])
    assert client.get("/tiles/3/8/0.mvt").status_code == 404
    assert client.get("/tiles/3/0/8.mvt").status_code == 404


def test_a_tile_hides_confidential_assets_and_snaps_restricted_ones(
    client, make_token, session_factory, actor
):
    owner = make_org(session_factory)
    spots = {"public": TOWER, "restricted": (TOWER[0] + 0.0012, TOWER[1] + 0.0004),
             "confidential": (TOWER[0] - 0.0013, TOWER[1] - 0.0002)}  # fmt: skip
    ids = {
        s: _create(session_factory, actor, point_feature(owner.id, *spot, sensitivity=s))
        for s, spot in spots.items()
    }
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {make_token('CM', 'operator')}"
    towers = {f["id"]: f for f in _decode(client.get(_url()))["tower"]["features"]}
    assert sorted(towers) == sorted([ids["public"], ids["restricted"]])
    assert "masked" not in towers[ids["public"]]["properties"]
    restricted = towers[ids["restricted"]]
    assert restricted["properties"]["masked"] is True
    snapped = snap(Point(spots["restricted"]))
    assert restricted["geometry"]["coordinates"] == pytest.approx(
        pixel(snapped.x, snapped.y), abs=1
    )
    assert restricted["geometry"]["coordinates"] != pytest.approx(
        pixel(*spots["restricted"]), abs=1
    )
