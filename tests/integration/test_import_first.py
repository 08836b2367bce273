"""An owner's first import (COPYed straight into the tables on PostGIS) stores and audits what
a staged import does: every asset, its capacity, its audit snapshot and its feed row."""

from __future__ import annotations

import json

import sqlalchemy as sa

from registry.interop.importers import fresh
from registry.interop.importers.run import ImportOptions, import_file
from registry.inventory.assets import asset_snapshot
from registry.inventory.models import Asset, AuditEntry, Change
from tests import gis_files as gis
from tests.factories import make_org

# Refs and attribute text with what COPY's text format and JSON must escape.
AWKWARD_REFS = ["T\\1", 'T"2', "Tø 3", "T\t4"]


def _features() -> list[dict]:
    out = [
        gis.registry_feature(ref, 108.36 + i / 1000, 22.81, name=f"line\nbreak \\ {ref}")
        for i, ref in enumerate(AWKWARD_REFS)
    ]
    out[1]["properties"]["capacity"] = {"antenna_mount": {"total": 2, "heights": [30.5, 28.0]}}
    duct = gis.registry_feature("D1", 108.36, 22.8, kind="duct", capacity={})
    duct["geometry"] = {"type": "LineString", "coordinates": [[108.36, 22.8], [108.37, 22.81]]}
    return [*out, duct]


def _import(session_factory, actor, tmp_path, owner_id, features):
    path = gis.write_geojson(tmp_path / "first.geojson", features)
    return import_file(session_factory, actor, path, ImportOptions(owner_id=owner_id))


def test_a_first_import_stores_and_audits_each_asset_as_the_api_would(
    session_factory, actor, tmp_path
):
    owner = make_org(session_factory)
    summary = _import(session_factory, actor, tmp_path, owner.id, _features())
    assert (summary.created, summary.committed) == (5, True), summary.report
    with session_factory() as session:
        assets = session.scalars(sa.select(Asset).order_by(Asset.id)).unique().all()
        assert [a.owner_ref for a in assets] == [*AWKWARD_REFS, "D1"]  # ids in file order
        audits = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.object_type == "asset").order_by(AuditEntry.id)
        ).all()
        snapshots = [json.loads(json.dumps(asset_snapshot(a))) for a in assets]
        feed = list(session.execute(sa.select(Change.asset_id, Change.op).order_by(Change.seq)))
    assert [(e.object_id, e.action, e.before) for e in audits] == [
        (str(a.id), "create", None) for a in assets
    ]
    assert [e.after for e in audits] == snapshots
    assert snapshots[0]["attributes"] == {"name": "line\nbreak \\ T\\1"}
    assert snapshots[1]["capacity"] == {"antenna_mount": {"total": 2, "heights": [30.5, 28.0]}}
    assert feed == [(a.id, "create") for a in assets]


def test_the_first_import_run_again_changes_nothing(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    _import(session_factory, actor, tmp_path, owner.id, _features())
    again = _import(session_factory, actor, tmp_path, owner.id, _features())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_ids_drawn_around_another_transaction_s_are_still_in_file_order(
    session_factory, actor, tmp_path, monkeypatch
):
    # As if another transaction had drawn an id in the middle of ours: the range has a gap.
    monkeypatch.setattr(fresh, "ID_RANGE", "SELECT 1, CAST(:count AS integer) + 1, :count")
    owner = make_org(session_factory)
    _import(session_factory, actor, tmp_path, owner.id, _features())
    with session_factory() as session:
        refs = session.scalars(sa.select(Asset.owner_ref).order_by(Asset.id)).all()
        fed = session.scalars(sa.select(Change.asset_id).order_by(Change.seq)).all()
        ids = session.scalars(sa.select(Asset.id).order_by(Asset.id)).all()
    assert refs == [*AWKWARD_REFS, "D1"] and fed == ids
