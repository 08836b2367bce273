"""The registry's use of the route planner: typed requests in, plans shown as callers may see.

The planner runs on the process's AssetIndex (the Matcher's), so it answers from the latest
committed state. It may route over restricted and confidential assets: their cost counts.
Each caller then sees every reuse leg as the API shows that asset (registry.access.visibility):
in full, coarsened to the mask grid without owner_ref, or, for a confidential asset, only as
"an existing asset" with its length and cost.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping

import shapely
import sqlalchemy as sa

from matching.planner import PlanRequest, PlanSettings, constraints, plan_route
from matching.requests import InvalidRequest
from registry.access import visibility
from registry.db.geometry import parse_geojson
from registry.engine import crossing_points
from registry.errors import ValidationFailed
from registry.inventory.models import Asset
from registry.inventory.vocabulary import Sensitivity

log = logging.getLogger(__name__)


def _point(value, field: str):
    point = parse_geojson(value, field)
    if point.geom_type != "Point":
        raise ValidationFailed(field, "must be a GeoJSON Point")
    return point


def plan_request(
    start: dict,
    end: dict,
    needs: Mapping[str, int],
    max_detour: float = 2.0,
    alternatives: int = 0,
    constraint_values: Mapping | None = None,
) -> PlanRequest:
    """A validated PlanRequest from GeoJSON ends and plain values (ValidationFailed if not)."""
    try:
        return PlanRequest(
            start=_point(start, "from"),
            end=_point(end, "to"),
            needs=dict(needs),
            max_detour=max_detour,
            alternatives=alternatives,
            constraints=constraints(constraint_values),
        )
    except InvalidRequest as exc:
        raise ValidationFailed(exc.field, exc.message) from None


def plan(matcher, request: PlanRequest, settings: PlanSettings | None = None) -> dict:
    """The full (unredacted) plan on the matcher's index, with its cost table."""
    barriers = matcher.barriers.current() if hasattr(matcher, "barriers") else None
    report = plan_route(matcher.index, request, matcher.costs, settings or PlanSettings(), barriers)
    log.info("planned %.0f m span on a graph of %d nodes, %d edges",
             request.span_m, *report.graph_size)  # fmt: skip
    return crossing_points.mark(report.to_dict(), barriers)


def _reuse_legs(report: dict) -> list[dict]:
    options = [report, *report["alternatives"]]
    return [leg for option in options for leg in option["legs"] if leg["type"] == "reuse"]


def _geometries(open_session, actor, legs: list[dict]) -> dict:
    """Whole-asset geometries of the legs a grant might reveal (grants cover assets)."""
    wanted = sorted({leg["asset_id"] for leg in legs if leg["sensitivity"] != Sensitivity.PUBLIC})
    if not wanted or not actor.grants:
        return {}
    with open_session() as session:
        rows = session.execute(
            sa.select(Asset.id, sa.func.ST_AsBinary(Asset.geom)).where(Asset.id.in_(wanted))
        )
        return {asset_id: shapely.from_wkb(bytes(wkb)) for asset_id, wkb in rows}


def _feature(leg: dict, geometry) -> dict:
    return {
        "type": "Feature",
        "id": leg["asset_id"],
        "geometry": shapely.geometry.mapping(geometry) if geometry is not None else leg["geometry"],
        "properties": {k: leg[k] for k in ("owner_id", "owner_name", "kind", "sensitivity")},
    }


def _hidden(leg: dict) -> dict:
    return {"type": "reuse", "hidden": True, "length_m": leg["length_m"], "cost": leg["cost"],
            "geometry": None}  # fmt: skip


def _shown(actor, leg: dict, geometries: dict, grid_m: float, uses: dict) -> dict:
    """One reuse leg as `visibility.disclose` decides for its asset."""
    whole = geometries.get(leg["asset_id"])
    out, grant_id = visibility.disclose(actor, _feature(leg, whole), grid_m)
    if grant_id is not None:
        uses.setdefault(grant_id, set()).add(leg["asset_id"])
    if out is None:
        return _hidden(leg)
    if not out["properties"].get("masked"):
        return leg
    coarse = visibility.snap(shapely.geometry.shape(leg["geometry"]), grid_m)
    masked = {k: v for k, v in leg.items() if k != "owner_ref"}
    return {**masked, "geometry": shapely.geometry.mapping(coarse), "masked": True}


def redact_plan(open_session, actor, report: dict, grid_m: float = 100.0):
    """(the plan as this actor may see it, {grant_id: [asset ids revealed by grants]})."""
    legs = _reuse_legs(report)
    if visibility.sees_everything(actor) or all(
        leg["sensitivity"] == Sensitivity.PUBLIC or leg["owner_id"] == actor.org_id for leg in legs
    ):
        return report, {}
    geometries = _geometries(open_session, actor, legs)
    out, uses = copy.deepcopy(report), {}
    for option in [out, *out["alternatives"]]:
        shown = [
            _shown(actor, leg, geometries, grid_m, uses) if leg["type"] == "reuse" else leg
            for leg in option["legs"]
        ]
        option["legs"] = _coarse_joins(shown, grid_m)
    return out, {grant: sorted(ids) for grant, ids in uses.items()}


def _coarse_joins(legs: list[dict], grid_m: float) -> list[dict]:
    """Trench beside a hidden or masked leg would reveal where that asset is: coarsen it."""
    out = list(legs)
    for k, leg in enumerate(legs):
        if leg["type"] == "reuse" or leg["geometry"] is None:
            continue
        near = [legs[j] for j in (k - 1, k + 1) if 0 <= j < len(legs)]
        if any(n.get("hidden") or n.get("masked") for n in near):
            coarse = visibility.snap(shapely.geometry.shape(leg["geometry"]), grid_m)
            out[k] = {**leg, "geometry": shapely.geometry.mapping(coarse), "masked": True}
            if "points" in leg.get("crossings", {}):  # exact points would place the trench
                out[k]["crossings"] = {c: n for c, n in leg["crossings"].items() if c != "points"}
    return out
