"""Export then import gives the same registry, in GeoJSON, CSV and GeoPackage."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.db.uow import UnitOfWork
from registry.interop.importers.run import ImportOptions, import_file
from registry.inventory import assets
from registry.inventory.models import Asset
from registry.inventory.validation import parse_asset_feature
from tests import gis_files as gis
from tests.factories import line_feature, make_org, point_feature


def _seed(session_factory, actor, owner_id: int) -> None:
    features = [
        point_feature(owner_id, 108.36612345678901, 22.81798765432101, ref="T1", height_m=35.5,
                      structure="lattice",
                      capacity={"antenna_mount": {"total": 3, "heights": [35, 32.5, 30]}}),
        point_feature(owner_id, 108.3702, 22.8171, kind="pole", ref="P1", use="lighting",
                      capacity={"attachment": {"total": 4}}, sensitivity="restricted"),
        point_feature(owner_id, 108.371, 22.818, kind="manhole", ref="M1", depth_m=2.0,
                      status="planned", sensitivity="confidential"),
        line_feature(owner_id, [(108.36, 22.81), (108.3654321987, 22.8123456789), (108.37, 22.815)],
                     ref="C1", cable_type="ADSS", name="东环线"),
        line_feature(owner_id, [(108.36, 22.80), (108.37, 22.80)], kind="duct", ref="D1",
                     diameter_mm=110, material="hdpe"),
    ]  # fmt: skip
    with UnitOfWork(session_factory, actor) as uow:
        for feature in features:
            assets.create_asset(uow, parse_asset_feature(feature))


def _snapshots(session_factory) -> dict:
    with session_factory() as session:
        found = session.scalars(sa.select(Asset)).unique()
        return {a.owner_ref: assets.asset_snapshot(a) for a in found}


def _import(session_factory, actor, owner_id, path, **options):
    return import_file(session_factory, actor, path, ImportOptions(owner_id=owner_id, **options))


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg"])
def test_export_then_import_gives_the_same_registry(client, session_factory, actor, tmp_path, fmt):
    owner = make_org(session_factory)
    _seed(session_factory, actor, owner.id)
    before = _snapshots(session_factory)
    response = client.get(f"/api/v1/exports/assets.{fmt}?owner_id={owner.id}")
    assert response.status_code == 200 and response.is_streamed
    exported = tmp_path / f"assets.{fmt}"
    exported.write_bytes(response.get_data())
    same = _import(session_factory, actor, owner.id, exported)
    assert (same.unchanged, same.created, same.updated, same.rejected) == (5, 0, 0, 0)
    empty = gis.write_geojson(tmp_path / "empty.geojson", [])
    assert _import(session_factory, actor, owner.id, empty, prune=True).deleted == 5
    assert _snapshots(session_factory) == {}
    back = _import(session_factory, actor, owner.id, exported)
    assert (back.created, back.rejected) == (5, 0)
    assert _snapshots(session_factory) == before


def test_the_cli_exports_with_the_list_filters(app, session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    _seed(session_factory, actor, owner.id)
    out = tmp_path / "towers.csv"
    result = app.test_cli_runner().invoke(
        args=["export", "--format", "csv", "--out", str(out), "--kind", "tower,pole"]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[0].startswith("wkt,id,kind,")
    assert {line.split(",")[5] for line in lines[1:]} == {"T1", "P1"}
    bad = app.test_cli_runner().invoke(
        args=["export", "--format", "csv", "--out", str(out), "--bbox", "1,2,3"]
    )
    assert bad.exit_code == 2 and "bbox" in bad.output
