"""Barriers from a GIS file (pyogrio, any format the asset importer reads) or from features."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shapely.geometry import shape

from registry.barriers.loading import BarrierSummary, check, save
from registry.db.uow import UnitOfWork
from registry.interop.importers.sources import read_source


def _source_id(props: Mapping, id_field: str | None) -> str | None:
    """The feature's stable id: `id_field`, else OSM's type/id, else an `id` property."""
    if id_field is not None:
        value = props.get(id_field)
    elif props.get("osm_id") not in (None, ""):
        value = f"{props.get('osm_type') or 'way'}/{props['osm_id']}"
    else:
        value = props.get("id")
    return None if value in (None, "") else str(value)


def _label(number: int, source_id: str | None) -> str:
    return f"{number}" + (f" ({source_id})" if source_id else "")


def read_file(path, kind: str, id_field: str | None = None) -> list:
    """Checked BarrierItems from every feature of a GIS file (ValidationFailed naming the bad
    ones; positions are 1-based, in file order)."""
    table = read_source(path)
    features = []
    for i, geometry in enumerate(table.geometries):
        props = table.record(i)
        source_id = _source_id(props, id_field)
        if i in table.geometry_errors:
            geometry = None
        features.append((_label(i + 1, source_id), source_id, props, geometry))
    return check(kind, features)


def read_features(kind: str, features: Iterable[Mapping], id_field: str | None = None) -> list:
    """Checked BarrierItems from GeoJSON-like feature dicts (the seeders' barriers)."""
    rows = []
    for i, f in enumerate(features):
        props = dict(f.get("properties") or {})
        source_id = _source_id(props, id_field)
        geometry = shape(f["geometry"]) if f.get("geometry") else None
        rows.append((_label(i + 1, source_id), source_id, props, geometry))
    return check(kind, rows)


def store(session_factory, actor, source: str, items: list) -> BarrierSummary:
    """Save checked barriers under `source` in one transaction (all or nothing)."""
    with UnitOfWork(session_factory, actor) as uow:
        summary = save(uow, source, items)
        uow.commit()
    return summary
