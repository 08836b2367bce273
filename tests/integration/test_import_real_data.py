"""The bundled OSM files (© OpenStreetMap contributors, ODbL) import with their mappings."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.db.geo import length_m
from registry.interop.importers.mapping_file import load_mapping
from registry.interop.importers.run import ImportOptions, import_file
from registry.inventory.models import Asset
from tests.factories import make_org

SEED = Path(__file__).resolve().parents[2] / "seed_data"
EDGES = SEED / "osm" / "guangxi" / "guangxi_power_edges.geojson"


def _import(session_factory, actor, owner_id: int, source: Path, mapping: str):
    options = ImportOptions(owner_id=owner_id, mapping=load_mapping(SEED / "mappings" / mapping))
    return import_file(session_factory, actor, source, options)


def _file_lengths() -> dict[str, float]:
    """The `length` (metres) of every unique edge, under the ref the mapping gives it."""
    seen: Counter = Counter()
    out = {}
    for feature in json.loads(EDGES.read_text(encoding="utf-8"))["features"]:
        props = feature["properties"]
        if props["reverse_duplicate"]:
            continue
        pair = (props["u"], props["v"])
        out[f"osm-edge-{pair[0]}-{pair[1]}-{seen[pair]}"] = float(props["length"])
        seen[pair] += 1
    return out


def test_the_guangxi_power_lines_import_once_each_with_their_lengths(session_factory, actor):
    grid = make_org(session_factory, "Guangxi Power Grid (广西电网)", "power")
    summary = _import(session_factory, actor, grid.id, EDGES, "guangxi_power_edges.yaml")
    assert (summary.features, summary.skipped) == (6188, 2643)  # the mirrors are filtered
    assert (summary.created, summary.rejected, summary.committed) == (3545, 0, True)
    expected = _file_lengths()
    with session_factory() as session:
        rows = session.execute(sa.select(Asset.owner_ref, Asset.geom, Asset.attributes)).all()
    assert {ref for ref, _, _ in rows} == set(expected)
    for ref, geom, _ in rows:
        assert length_m(geom) == pytest.approx(expected[ref], rel=0.005), ref
    total = sum(length_m(geom) for _, geom, _ in rows)
    assert total == pytest.approx(sum(expected.values()), rel=0.005)
    assert total == pytest.approx(23_597_850, rel=0.005)  # 23,598 km of line, counted once
    named = [attrs for _, _, attrs in rows if attrs.get("name", "").startswith("500kV")]
    assert named and all(a["voltage_kv"] == 500.0 for a in named)
    again = _import(session_factory, actor, grid.id, EDGES, "guangxi_power_edges.yaml")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3545)


@pytest.mark.parametrize(
    ("source", "mapping", "kinds"),
    [
        ("power_towers", "liechtenstein_power_towers.yaml", {"tower": 174}),
        ("power_lines", "liechtenstein_power_lines.yaml", {"aerial_route": 13}),
        ("telecom_masts", "liechtenstein_telecom_masts.yaml", {"rooftop": 16, "tower": 12}),
    ],
)
def test_liechtenstein_files_import_with_their_mappings(
    session_factory, actor, source, mapping, kinds
):
    lkw = make_org(session_factory, "Liechtensteinische Kraftwerke", "power")
    path = SEED / "osm" / "liechtenstein" / f"{source}.geojson"
    summary = _import(session_factory, actor, lkw.id, path, mapping)
    assert (summary.rejected, summary.committed) == (0, True)
    with session_factory() as session:
        found = Counter(session.scalars(sa.select(Asset.kind)))
        refs = list(session.scalars(sa.select(Asset.owner_ref)))
    assert dict(found) == kinds
    assert all(ref.startswith(("osm-node-", "osm-way-")) for ref in refs)


def test_the_lv95_geopackage_sample_lands_where_the_osm_towers_are(session_factory, actor):
    """The README's example: a GeoPackage in EPSG:2056 is reprojected to WGS84 on import."""
    owner = make_org(session_factory, "Liechtensteinische Kraftwerke", "power")
    sample = SEED / "samples" / "liechtenstein_power_towers_lv95.gpkg"
    summary = _import(session_factory, actor, owner.id, sample, "liechtenstein_power_towers.yaml")
    assert (summary.created, summary.rejected) == (174, 0)
    source = json.loads((SEED / "osm" / "liechtenstein" / "power_towers.geojson").read_text())
    expected = {
        f"osm-node-{f['properties']['osm_id']}": f["geometry"]["coordinates"]
        for f in source["features"]
    }
    with session_factory() as session:
        rows = session.execute(sa.select(Asset.owner_ref, Asset.geom)).all()
    assert {ref for ref, _ in rows} == set(expected)
    for ref, geom in rows:
        lon, lat = expected[ref]
        assert abs(geom.x - lon) < 1e-7 and abs(geom.y - lat) < 1e-7, ref
