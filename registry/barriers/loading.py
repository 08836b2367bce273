"""Loading barriers: features checked all at once, then saved in one transaction by source id.

A barrier is a LineString of at least two distinct lon/lat positions. Any bad feature fails
the whole load with an error naming it (nothing is written); a feature already stored under
the same (source, source id) is updated if it changed, so a re-run changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from matching.rules import BARRIER_KINDS
from registry.barriers.models import Barrier
from registry.errors import InvalidFields, ValidationFailed

SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class BarrierItem:
    """One checked barrier, ready to save."""

    kind: str
    source_id: str
    geometry: LineString
    name: str | None = None
    ref: str | None = None


@dataclass
class BarrierSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def _text(value, limit: int) -> str | None:
    return None if value is None or value == "" else str(value)[:limit]


def _geometry_problem(geometry) -> str | None:
    if not isinstance(geometry, BaseGeometry) or geometry.geom_type != "LineString":
        found = getattr(geometry, "geom_type", None) or "no geometry"
        return f"is a {found}; a barrier must be a LineString (split multi-part lines first)"
    coords = [c[:2] for c in geometry.coords]
    if len({tuple(c) for c in coords}) < 2:
        return "is an empty line: give at least two distinct positions"
    for lon, lat in coords:
        if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lon) > 180 or abs(lat) > 90:
            return "has a position outside lon ±180 / lat ±90: give EPSG:4326 lon/lat"
    return None


def check(kind: str, features: Iterable[tuple[str, str | None, Mapping, object]]) -> list:
    """BarrierItems from (label, source id, properties, shapely geometry) of each feature, or
    InvalidFields naming every bad feature (by its label: id or position in the file)."""
    if kind not in BARRIER_KINDS:
        raise ValidationFailed("kind", f"unknown barrier kind {kind!r}; use {list(BARRIER_KINDS)}")
    items, problems, seen = [], [], {}
    for label, source_id, props, geometry in features:
        problem = _geometry_problem(geometry)
        if source_id is None:
            problem = "has no id: give each feature an id (or --id-field)"
        elif source_id in seen:
            problem = f"repeats the id {source_id!r} of feature {seen[source_id]}"
        if problem:
            problems.append(ValidationFailed(f"feature {label}", problem))
            continue
        seen[source_id] = label
        line = LineString([c[:2] for c in geometry.coords])
        items.append(BarrierItem(kind, source_id, line, _text(props.get("name"), 200),
                                 _text(props.get("ref"), 100)))  # fmt: skip
    if problems:
        raise InvalidFields(problems[:SHOWN_PROBLEMS])
    if not items:
        raise ValidationFailed("file", "holds no features")
    return items


def save(uow, source: str, items: list[BarrierItem]) -> BarrierSummary:
    """Insert or update these barriers under `source` (committed by the caller's uow)."""
    session, summary = uow.session, BarrierSummary()
    stored = {
        b.source_id: b for b in session.scalars(sa.select(Barrier).where(Barrier.source == source))
    }
    now = uow.now()
    for item in items:
        row = stored.get(item.source_id)
        values = {"kind": item.kind, "name": item.name, "ref": item.ref}
        if row is None:
            session.add(Barrier(source=source, source_id=item.source_id, geom=item.geometry,
                                created_at=now, updated_at=now, **values))  # fmt: skip
            summary.created += 1
        elif any(getattr(row, k) != v for k, v in values.items()) or not row.geom.equals_exact(
            item.geometry, 0.0
        ):
            for k, v in values.items():
                setattr(row, k, v)
            row.geom, row.updated_at = item.geometry, now
            summary.updated += 1
        else:
            summary.unchanged += 1
        summary.by_kind[item.kind] = summary.by_kind.get(item.kind, 0) + 1
    if summary.created or summary.updated:
        uow.audit("barriers", source, "import", after={"created": summary.created,
                                                       "updated": summary.updated})  # fmt: skip
    return summary
