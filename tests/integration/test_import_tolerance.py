"""Re-importing the same assets from another format is `unchanged` (within 1e-9 degrees)."""

from __future__ import annotations

import sqlalchemy as sa

from registry.interop.importers.mapping_file import parse_mapping
from registry.interop.importers.run import ImportOptions, import_file
from registry.inventory.models import AuditEntry
from registry.inventory.queries import registry_seq
from tests import gis_files as gis
from tests.factories import make_org

# Coordinates with every digit a double holds: each format (and each reprojection) rounds them
# a little differently.
LONLAT = [(108.36612345678901, 22.81798765432101), (108.3712345, 22.8154321),
          (108.37000000000001, 22.820000000000004)]  # fmt: skip


def _import(session_factory, actor, path, owner_id):
    options = ImportOptions(owner_id=owner_id, mapping=parse_mapping(gis.MAPPING))
    return import_file(session_factory, actor, path, options)


def _history(session_factory) -> tuple[int, int]:
    with session_factory() as session:
        audits = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        return registry_seq(session), audits


def _csv(path, lonlat, fields, digits: int):
    rows = [
        [f"{lon:.{digits}f}", f"{lat:.{digits}f}", ref, height, mounts]
        for (lon, lat), ref, height, mounts in zip(
            lonlat, fields["ref"], fields["height"].tolist(), fields["mounts"].tolist(), strict=True
        )
    ]
    return gis.write_csv(path, ["lon", "lat", "ref", "height", "mounts"], rows)


def test_the_same_towers_from_another_format_are_unchanged_and_leave_no_history(
    session_factory, actor, tmp_path
):
    owner = make_org(session_factory)
    _, fields = gis.towers("EPSG:4326")
    first = gis.write_ogr(tmp_path / "towers.geojson", "GeoJSON", "EPSG:4326", LONLAT, fields)
    assert _import(session_factory, actor, first, owner.id).created == 3
    history = _history(session_factory)
    others = [
        gis.write_ogr(tmp_path / "towers.gpkg", "GPKG", "EPSG:32649", LONLAT, fields),  # UTM 49N
        _csv(tmp_path / "towers.csv", LONLAT, fields, digits=12),
    ]
    for path in others:
        again = _import(session_factory, actor, path, owner.id)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 3), path.name
    assert _history(session_factory) == history


def test_a_tower_moved_by_more_than_the_tolerance_is_updated(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    _, fields = gis.towers("EPSG:4326")
    _import(session_factory, actor, _csv(tmp_path / "a.csv", LONLAT, fields, 14), owner.id)
    moved = [(LONLAT[0][0] + 1e-7, LONLAT[0][1]), *LONLAT[1:]]
    again = _import(session_factory, actor, _csv(tmp_path / "b.csv", moved, fields, 14), owner.id)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
