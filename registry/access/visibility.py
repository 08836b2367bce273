"""Who sees what: confidential assets hidden, restricted ones coarsened, unless entitled.

An actor sees an asset in full when it is public, when the actor's organisation owns it,
when the actor is an admin, or when one of the actor's live access grants covers it (its
area meets the asset, its kinds include the asset's kind, and now is inside its window).
Otherwise a restricted asset is shown coarsened (geometry snapped to a grid, no owner_ref,
no attributes) and a confidential one is not shown at all: not in lists, counts, matches,
exports, tiles or error messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from registry.access import grant_uses
from registry.db.geometry import to_geojson_many
from registry.inventory.models import Asset, utcnow
from registry.inventory.vocabulary import Sensitivity

DEFAULT_GRID_M = 100.0
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class GrantScope:
    """One live access grant as the visibility rules need it."""

    grant_id: int
    owner_id: int | None  # the grantor: its assets only; None for an admin's grant
    area: BaseGeometry
    kinds: frozenset[str] | None
    valid_from: object
    valid_until: object

    def covers(self, owner_id: int, kind: str, geometry: BaseGeometry, now=None) -> bool:
        now = now or utcnow()
        if not (self.valid_from <= now < self.valid_until):
            return False
        if self.owner_id is not None and owner_id != self.owner_id:
            return False
        if self.kinds is not None and kind not in self.kinds:
            return False
        return self.area.intersects(geometry)


def sees_everything(actor) -> bool:
    return actor.is_admin


def condition_key(actor) -> tuple | None:
    """Everything `visible_condition` and `masking.masked_condition` depend on, as a key under
    which SQL built from them may be reused; None when they hold grants (their SQL carries
    the time, so it is built for each query)."""
    if actor.grants:
        return None
    return (sees_everything(actor), actor.org_id)


def covering_grant(actor, owner_id: int, kind: str, geometry) -> GrantScope | None:
    """The first of the actor's grants that covers this asset, or None."""
    now = utcnow()
    return next((g for g in actor.grants if g.covers(owner_id, kind, geometry, now)), None)


def entitled(actor, owner_id: int, sensitivity: str, kind: str, geometry) -> bool:
    """True when the actor may see this asset at full precision."""
    return (
        sensitivity == Sensitivity.PUBLIC
        or sees_everything(actor)
        or (actor.org_id is not None and actor.org_id == owner_id)
        or covering_grant(actor, owner_id, kind, geometry) is not None
    )


def _grant_sql(grant: GrantScope, now):
    if not (grant.valid_from <= now < grant.valid_until):
        return sa.false()
    area = sa.func.ST_GeomFromText(grant.area.wkt, 4326)
    cond = sa.func.ST_Intersects(Asset.geom, area) == sa.true()
    if grant.owner_id is not None:
        cond = sa.and_(cond, Asset.owner_id == grant.owner_id)
    if grant.kinds is not None:
        cond = sa.and_(cond, Asset.kind.in_(sorted(grant.kinds)))
    return cond


def visible_condition(actor):
    """SQL condition on Asset: everything the actor may know exists (hides confidential)."""
    if sees_everything(actor):
        return sa.true()
    now = utcnow()
    allowed = [Asset.sensitivity != Sensitivity.CONFIDENTIAL]
    if actor.org_id is not None:
        allowed.append(Asset.owner_id == actor.org_id)
    allowed += [_grant_sql(g, now) for g in actor.grants]
    return sa.or_(*allowed)


def snap(geometry: BaseGeometry, grid_m: float = DEFAULT_GRID_M) -> BaseGeometry:
    """Coarsen a geometry: every vertex snapped to a grid of about grid_m metres."""
    coords = shapely.get_coordinates(geometry)
    lat_step = grid_m / METRES_PER_DEGREE
    mean_lat = float(coords[:, 1].mean()) if len(coords) else 0.0
    lon_step = grid_m / (METRES_PER_DEGREE * max(0.1, math.cos(math.radians(mean_lat))))
    snapped = coords.copy()
    snapped[:, 0] = (coords[:, 0] / lon_step).round() * lon_step
    snapped[:, 1] = (coords[:, 1] / lat_step).round() * lat_step
    return shapely.set_coordinates(shapely.from_wkb(shapely.to_wkb(geometry)), snapped)


def snap_many(geometries, grid_m: float = DEFAULT_GRID_M) -> list:
    """snap of each geometry, in one vectorised pass over all their vertices (same result)."""
    arr = np.empty(len(geometries), dtype=object)
    arr[:] = geometries
    coords, index = shapely.get_coordinates(arr, return_index=True)
    lat_step = grid_m / METRES_PER_DEGREE
    lon_steps = np.array([_lon_step(coords, grid_m, s, n) for s, n in _spans(arr)])
    steps = lon_steps[index]
    snapped = coords.copy()
    snapped[:, 0] = (coords[:, 0] / steps).round() * steps
    snapped[:, 1] = (coords[:, 1] / lat_step).round() * lat_step
    return list(shapely.set_coordinates(shapely.from_wkb(shapely.to_wkb(arr)), snapped))


def _spans(arr):
    """(first vertex, vertex count) of each geometry in get_coordinates' array."""
    start = 0
    for n in shapely.get_num_coordinates(arr).tolist():
        yield start, n
        start += n


def _lon_step(coords, grid_m: float, start: int, n: int) -> float:
    """snap's longitude step for the geometry of vertices coords[start:start + n]."""
    # The mean of one latitude is that latitude; numpy's (pairwise) mean for more, as snap.
    if n == 1:
        mean_lat = float(coords[start, 1])
    else:
        mean_lat = float(coords[start : start + n, 1].mean()) if n else 0.0
    return grid_m / (METRES_PER_DEGREE * max(0.1, math.cos(math.radians(mean_lat))))


MASKED_PROPERTIES = (
    "kind",
    "owner_id",
    "owner_name",
    "owner_sector",
    "status",
    "sensitivity",
    "capacity",
    "distance_m",
)


def present(actor, feature: dict, grid_m: float = DEFAULT_GRID_M) -> dict | None:
    """The Feature as this actor may see it: unchanged, coarsened, or None (hidden)."""
    return disclose(actor, feature, grid_m)[0]


def disclose(actor, feature: dict, grid_m: float = DEFAULT_GRID_M):
    """(the Feature as this actor may see it or None, the id of the grant that revealed it).

    The grant id is set only when a grant, and nothing else, entitles the actor: such a use
    is noted here, in the current grant-use ledger (registry.access.grant_uses), so every
    read path is audited without doing anything itself.
    """
    verdict, geometry, grant_id = _decide(actor, feature, None)
    if verdict is not MASKED:
        return verdict, grant_id
    return _masked(feature, shapely.geometry.mapping(snap(geometry, grid_m)), grid_m), None


MASKED = object()  # _decide's verdict for a Feature to show coarsened


def shown_as_stored(actor, owner_id: int, sensitivity: str) -> bool:
    """True when the actor sees the asset unchanged, no grant needed (so none is noted): it
    is public, the actor an admin or of its owner. Otherwise disclose decides."""
    return sensitivity == Sensitivity.PUBLIC or sees_everything(actor) or actor.org_id == owner_id


def masked_without_grants(actor, owner_id: int, sensitivity: str) -> bool:
    """True when disclose would show the asset masked without consulting a grant: the actor
    holds none, does not see it as stored, and it is not confidential (then it is hidden).
    Lets a caller reuse a masked text it wrote before, since such a Feature does not depend
    on who asks (api.assets.masked_text)."""
    return (
        not actor.grants
        and sensitivity != Sensitivity.CONFIDENTIAL
        and not shown_as_stored(actor, owner_id, sensitivity)
    )


def _decide(actor, feature: dict, geometry):
    """(the Feature, None or MASKED; its shapely geometry when read; the revealing grant id).

    `geometry` is the Feature's geometry when the caller has it, else None (read from the
    Feature's GeoJSON if a decision needs it)."""
    props = feature["properties"]
    owner_id, sensitivity, kind = props["owner_id"], props["sensitivity"], props["kind"]
    if shown_as_stored(actor, owner_id, sensitivity):
        return feature, geometry, None
    if geometry is None:
        geometry = shapely.geometry.shape(feature["geometry"])
    grant = covering_grant(actor, owner_id, kind, geometry)
    if grant is not None:
        grant_uses.note(grant.grant_id, feature["id"])
        return feature, geometry, grant.grant_id
    if sensitivity == Sensitivity.CONFIDENTIAL:
        return None, geometry, None
    return MASKED, geometry, None


def _masked(feature: dict, snapped: dict, grid_m: float) -> dict:
    """The masked Feature, given its snapped geometry as GeoJSON."""
    props = feature["properties"]
    masked = {k: props[k] for k in MASKED_PROPERTIES if k in props}
    if "capacity" in masked:
        masked["capacity"] = {r: {"free": c["free"]} for r, c in masked["capacity"].items()}
    if "distance_m" in masked:
        masked["distance_m"] = round(masked["distance_m"] / grid_m) * grid_m
    masked["masked"] = True
    return {
        "type": "Feature",
        "id": feature["id"],
        "geometry": snapped,
        "properties": masked,
    }


def disclose_all(actor, features, grid_m: float = DEFAULT_GRID_M, geometries=None, snapped=None):
    """(visible Features, {grant_id: [asset ids it revealed]}) for a list of Features.

    The uses are already noted for the audit (see disclose); the second value is for callers
    that want to know, not to record them again. `geometries`, when given, are the Features'
    shapely geometries (in order): they then need not be read back from the GeoJSON. The
    masked ones are snapped together, in one pass (snap_many). `snapped`, when given, holds
    (in order) each Feature's geometry already snapped to `grid_m` by snap_many, or None:
    a list row keeps the form its near list measured (inventory.near), and snapping is
    the most of what masking a row costs.
    """
    shown, uses, masked = [], {}, []
    for i, feature in enumerate(features):
        out, geometry, grant_id = _decide(actor, feature, geometries and geometries[i])
        if out is None:
            continue
        if out is MASKED:
            masked.append((len(shown), feature, geometry, snapped and snapped[i]))
        shown.append(out)
        if grant_id is not None:
            uses.setdefault(grant_id, []).append(feature["id"])
    if masked:
        forms = [form for *_, form in masked]
        todo = [k for k, form in enumerate(forms) if form is None]
        for k, form in zip(todo, snap_many([masked[k][2] for k in todo], grid_m), strict=True):
            forms[k] = form
        for (at, feature, *_), geojson in zip(masked, to_geojson_many(forms), strict=True):
            shown[at] = _masked(feature, geojson, grid_m)
    return shown, uses
