"""page_json's shortcuts write what Python's encoder writes of asset_feature's values."""

from __future__ import annotations

import datetime as dt
import json
from types import MappingProxyType

import numpy as np
import shapely
from flask import Flask

from api.assets.page_json import _distance, feature_texts, geometry_texts
from api.assets.value_texts import dumps
from registry.access.visibility import disclose_all, snap
from registry.db.geometry import to_geojson
from registry.db.uow import Actor
from registry.inventory.capacity import CapacitySummary
from registry.inventory.page_rows import AssetRow, Owner
from registry.inventory.serialize import asset_feature


def test_distances_are_written_as_repr_of_round_to_two_decimals():
    rng = np.random.default_rng(3)
    values = [
        *rng.uniform(0, 50_000, 20_000).tolist(),
        *rng.uniform(0, 1, 5_000).tolist(),
        *(i / 1000 for i in range(5_000)),  # halves at the third decimal
        *(i / 8 for i in range(2_000)),  # exact binary halves
        0.0, -0.0, 2.675, 1.005, 0.015, 1e14 + 0.125, 3e15, 1e300,
    ]  # fmt: skip
    assert [_distance(v) for v in values] == [repr(round(v, 2)) for v in values]


def test_geometry_texts_are_the_encoded_geojson_of_every_kind_of_geometry():
    geoms = [
        shapely.Point(108.3754843, 22.767382),
        shapely.Point(-0.0, 1e-7),
        shapely.LineString([(108.1, 22.7), (108.20000000000002, 22.8), (108.3, 22.9)]),
        shapely.Point(1, 2, 3),
        shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 0)]),
        shapely.MultiPoint([(1, 2), (3, 4)]),
        shapely.LineString(),
        shapely.Point(108.3754843, 22.767382),  # the same again: from the kept texts
    ]
    app = Flask(__name__)
    with app.app_context():
        written = geometry_texts(geoms) + geometry_texts(geoms[::-1])[::-1]
        expected = [app.json.dumps(to_geojson(g), separators=(",", ":")) for g in geoms] * 2
    assert written == expected
    assert json.loads(written[2])["coordinates"][1] == [108.20000000000002, 22.8]


def test_odd_rows_are_written_as_jsonify_writes_asset_feature():
    """Attributes that replace fields or hold '%', times in another zone, unsorted capacities
    with heights; and values the templates do not take (None, a float total, NaN), which
    the encoder writes."""
    utc = dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC)
    plus8 = dt.datetime(2026, 1, 2, 11, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    odd = MappingProxyType({"a%b": "x%s", "kind": "pole", "capacity": 3, "n": [1, 2.5, None]})
    owner = Owner("Guangxi \u5e7f\u897f", "power")
    caps = [CapacitySummary("b", 3, 1), CapacitySummary("a", 2, 0, (10, 20.5))]
    rows = [
        (AssetRow(1, "tower", 2, owner, None, "in_service", "public", odd, utc, plus8,
                  shapely.Point(1.5, -0.0)), caps, 12.345),
        (AssetRow(2, "duct", 2, owner, "D-2", "planned", "public", {"distance_m": 5}, utc, utc,
                  shapely.LineString([(0, 0), (1e-9, 2)])), [], None),
        (AssetRow(3, "duct", 2, owner, "D-3", "planned", "public", None, utc, utc,
                  shapely.Point(1, 2)), [CapacitySummary("subduct", 2.0, 0)], float("nan")),
    ]  # fmt: skip
    app = Flask(__name__)
    with app.app_context():
        written = feature_texts(rows, Actor(name="operator", org_id=9), 100.0)
        expected = [
            app.json.dumps(asset_feature(*row, geojson=to_geojson(row[0].geom)),
                           separators=(",", ":"))
            for row in rows
        ]  # fmt: skip
    assert written == expected


def test_a_row_s_kept_text_follows_its_capacity_and_distance():
    """The same row read again with other held units, heights written otherwise (40 == 40.0,
    but they print differently), or in a list without distances: written anew each time."""
    utc = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    owner = Owner("Owner", "telecom")
    attributes = MappingProxyType({"height_m": 40})
    row = AssetRow(7, "tower", 2, owner, "T-7", "in_service", "public", attributes, utc, utc,
                   shapely.Point(108.3, 22.8))  # fmt: skip
    pages = [
        [(row, [CapacitySummary("antenna_mount", 4, 1, (40, 37.5))], 12.345)],
        [(row, [CapacitySummary("antenna_mount", 4, 3, (40, 37.5))], 12.345)],
        [(row, [CapacitySummary("antenna_mount", 4, 3, (40.0, 37.5))], 99.0)],
        [(row, [CapacitySummary("antenna_mount", 4, 3, (40.0, 37.5))], None)],
        [(row, [], None)],
    ]
    app = Flask(__name__)
    with app.app_context():
        written = [feature_texts(page, Actor(name="operator", org_id=9), 100.0) for page in pages]
        expected = [
            [app.json.dumps(asset_feature(*page[0], geojson=to_geojson(row.geom)),
                            separators=(",", ":"))]
            for page in pages
        ]  # fmt: skip
    assert written == expected
    assert len({text for [text] in written}) == len(pages)


def test_a_masked_row_s_kept_text_is_what_disclose_all_shows():
    """A restricted asset of another organisation, shown masked, read again with other free
    units, on another mask grid, and without a distance; its owner's name is "\\x00", the
    character that stands for the distance while the text is kept."""
    utc = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    secret, where = MappingProxyType({"secret": 1}), shapely.Point(108.31234, 22.81234)
    row = AssetRow(8, "tower", 2, Owner("\x00", "telecom"), "T-8", "in_service", "restricted",
                   secret, utc, utc, where)  # fmt: skip
    pages = [
        ([(row, [CapacitySummary("antenna_mount", 4, 1)], 1234.567)], 100.0),
        ([(row, [CapacitySummary("antenna_mount", 4, 3)], 1234.567)], 100.0),
        ([(row, [CapacitySummary("antenna_mount", 4, 3)], 77.0)], 50.0),
        ([(row, [CapacitySummary("antenna_mount", 4, 3)], None)], 50.0),
    ]
    operator = Actor(name="operator", org_id=9)
    app = Flask(__name__)
    with app.app_context():
        written = [feature_texts(page, operator, grid) for page, grid in pages]
        expected = []
        for page, grid in pages:
            feature = asset_feature(*page[0], geojson=to_geojson(row.geom))
            [shown], _ = disclose_all(operator, [feature], grid)
            expected.append([app.json.dumps(shown, separators=(",", ":"))])
    assert written == expected
    assert all('"masked":true' in text for [text] in written)
    assert len({text for [text] in written}) == len(pages)


def test_dumps_writes_what_the_app_s_provider_writes_as_its_settings_change():
    """The encoder is made once per provider setting: a changed setting is a new encoder."""
    values = [12.5, [10.0, 20.0], "\u5e7f\u897f", {"b": 1, "a": [None, 2.5]}, float("nan")]
    app = Flask(__name__)
    with app.app_context():
        for sort_keys, ensure_ascii in ((True, True), (False, True), (True, False), (True, True)):
            app.json.sort_keys, app.json.ensure_ascii = sort_keys, ensure_ascii
            expected = [app.json.dumps(v, separators=(",", ":")) for v in values]
            assert [dumps(v) for v in values] == expected
    other = Flask("other")
    other.json.sort_keys = False
    with other.app_context():  # another app's provider
        assert dumps({"b": 1, "a": 2}) == '{"b":1,"a":2}'


def test_disclose_all_shows_a_masked_feature_on_the_form_it_is_given():
    """A form snapped earlier (a kept list row's) gives the Feature disclose_all would snap;
    the form given is the one shown, so a caller must give the snapped geometry itself."""
    point, line = (
        shapely.Point(108.31234, 22.81234),
        shapely.LineString([(108.1, 22.7), (108.2, 22.8)]),
    )
    features = [
        {"type": "Feature", "id": i, "geometry": to_geojson(g),
         "properties": {"owner_id": 2, "sensitivity": "restricted", "kind": "tower"}}
        for i, g in enumerate((point, line))
    ]  # fmt: skip
    operator = Actor(name="operator", org_id=9)
    for grid in (100.0, 250.0):
        alone, _ = disclose_all(operator, features, grid, [point, line])
        forms = [snap(point, grid), None]  # one kept, one not
        given, _ = disclose_all(operator, features, grid, [point, line], forms)
        assert given == alone and all(f["properties"]["masked"] for f in given)
    moved = shapely.Point(1.0, 2.0)
    shown, _ = disclose_all(operator, features[:1], 100.0, [point], [moved])
    assert shown[0]["geometry"] == to_geojson(moved)
