"""PostGIS: a first import streamed in batches reports, stores, audits and feeds exactly what
the same file read whole does; a bad feature in a later batch still writes nothing."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from registry.interop.importers import batches, pipeline
from registry.interop.importers.fresh import FreshLoad
from registry.interop.importers.run import ImportOptions, import_file
from registry.inventory.models import Asset, AuditEntry, Change
from tests import gis_files as gis
from tests.factories import make_org

ROWS = [
    [108.361, 22.81, "tower", "T0"],
    [108.362, 22.81, "tower", "T1"],
    [108.363, 22.81, "bogus", "T2"],  # batch 2: an unknown kind
    [108.364, 22.81, "tower", "T0"],  # batch 2: a ref of batch 1 again
    [108.365, 22.81, "pole", "T4"],
    [108.366, 22.81, "tower", ""],  # batch 3: no ref
    [500000.0, 2500000.0, "tower", "T6"],  # batch 4: projected, out of range
    [108.368, 22.81, "tower", "T7"],
]


@pytest.fixture
def database_url(_postgis_database):
    """Only PostGIS streams (SpatiaLite's imports read the file whole)."""
    return _postgis_database.fresh_url()


@pytest.fixture(autouse=True)
def two_per_batch(monkeypatch):
    monkeypatch.setattr(batches, "BATCH", 2)


@pytest.fixture(params=["csv", "geojson"])
def path(request, tmp_path):
    """ROWS as a CSV (read in batches) or a GeoJSON (read whole, validated in slices)."""
    if request.param == "csv":
        return gis.write_csv(tmp_path / "a.csv", ["lon", "lat", "kind", "owner_ref"], ROWS)
    features = [
        gis.registry_feature(ref, lon, lat, kind=kind, height_m=30.5 + i)
        for i, (lon, lat, kind, ref) in enumerate(ROWS)
    ]
    return gis.write_geojson(tmp_path / "a.geojson", features)


def _both(session_factory, actor, path, monkeypatch, **options):
    """(streamed, whole) summaries and owner ids, each a first import of the same file."""
    out = []
    for streamed in (True, False):
        if not streamed:
            monkeypatch.setattr(pipeline, "wanted", lambda *_: False)
        owner = make_org(session_factory, name=f"Owner {streamed}")
        summary = import_file(session_factory, actor, path, ImportOptions(owner.id, **options))
        out.append((summary, owner.id))
    return out


def _stored(session_factory, owner_id: int) -> list[tuple]:
    with session_factory() as session:
        assets = session.execute(
            sa.select(Asset.id, Asset.owner_ref, Asset.kind, sa.func.ST_AsText(Asset.geom))
            .where(Asset.owner_id == owner_id)
            .order_by(Asset.id)
        ).all()
        ids = [a[0] for a in assets]
        fed = session.scalars(
            sa.select(Change.asset_id).where(Change.asset_id.in_(ids)).order_by(Change.seq)
        ).all()
        audited = session.scalars(
            sa.select(AuditEntry.object_id)
            .where(AuditEntry.object_type == "asset", AuditEntry.object_id.in_(map(str, ids)))
            .order_by(AuditEntry.id)
        ).all()
    assert fed == ids and audited == [str(i) for i in ids]  # in file order, one each
    return [a[1:] for a in assets]


def test_a_bad_feature_in_a_later_batch_is_reported_as_in_a_whole_read_and_nothing_is_written(
    session_factory, actor, path, monkeypatch
):
    (streamed, owner), (whole, _) = _both(session_factory, actor, path, monkeypatch)
    assert [r.feature for r in streamed.report] == [3, 4, 6, 7]
    assert streamed.report == whole.report
    assert streamed.report[1].reason == "'T0' appears earlier in the file (feature 1)"
    assert streamed.report[0].line == (4 if path.suffix == ".csv" else None)  # header: line 1
    assert (streamed.features, streamed.created, streamed.committed) == (8, 4, False)
    assert streamed.warnings == whole.warnings and "projected" in streamed.warnings[0]
    assert _stored(session_factory, owner) == []


def test_with_skip_invalid_the_valid_features_are_stored_in_file_order(
    session_factory, actor, path, monkeypatch
):
    both = _both(session_factory, actor, path, monkeypatch, skip_invalid=True)
    (streamed, owner), (whole, whole_owner) = both
    assert (streamed.created, streamed.rejected, streamed.committed) == (4, 4, True)
    assert streamed.report == whole.report
    stored = _stored(session_factory, owner)
    assert [ref for ref, _, _ in stored] == ["T0", "T1", "T4", "T7"]
    assert stored == _stored(session_factory, whole_owner)


def test_a_failure_while_batches_load_stops_the_reading_thread_and_writes_nothing(
    session_factory, actor, path, monkeypatch
):
    owner = make_org(session_factory)
    loaded = []

    def second_fails(self, valid):
        loaded.append(len(valid))
        if len(loaded) == 2:
            raise RuntimeError("the connection dropped")
        original(self, valid)

    original = FreshLoad.add
    monkeypatch.setattr(FreshLoad, "add", second_fails)
    options = ImportOptions(owner.id, skip_invalid=True)
    with pytest.raises(RuntimeError):
        import_file(session_factory, actor, path, options)
    assert len(loaded) == 2
    assert not [t for t in threading.enumerate() if t.name == "import-read"]
    assert _stored(session_factory, owner.id) == []
