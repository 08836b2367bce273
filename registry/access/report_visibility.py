"""Match reports as each caller may see them: the engine uses every asset, callers see less.

The engine reaches its verdict with restricted and confidential assets too ("a shareable
asset exists within 300 m"). A caller not entitled to an asset (see registry.access.visibility)
gets a restricted candidate without owner_ref and with distances rounded to the mask grid,
and no trace of a confidential one beyond a count and whom to ask.
"""

from __future__ import annotations

import sqlalchemy as sa

from registry.access import grant_uses
from registry.access.masking import distance_to, distance_to_route
from registry.access.visibility import covering_grant, sees_everything, snap
from registry.inventory.models import Asset, Organisation
from registry.inventory.vocabulary import Sensitivity


def _full_by_rule(actor, candidate: dict) -> bool:
    return (
        candidate["sensitivity"] == Sensitivity.PUBLIC
        or sees_everything(actor)
        or actor.org_id == candidate["owner_id"]
    )


def _entitlement(actor, candidate: dict, geometries: dict):
    """("full" | "masked" | "hidden", grant id or None) for one candidate."""
    if _full_by_rule(actor, candidate):
        return "full", None
    geometry = geometries.get(candidate["asset_id"])
    grant = geometry is not None and covering_grant(
        actor, candidate["owner_id"], candidate["kind"], geometry
    )
    if grant:
        return "full", grant.grant_id
    return ("hidden" if candidate["sensitivity"] == Sensitivity.CONFIDENTIAL else "masked"), None


# Built once, on the tables rather than the mapped classes: building the select and the
# ORM's execution steps cost more than the query on every report with masked candidates.
_ASSET, _ORG = Asset.__table__.c, Organisation.__table__.c
DETAILS = (
    sa.select(_ASSET.id, _ASSET.geom, _ORG.id, _ORG.name, _ORG.contact)
    .select_from(Asset.__table__.join(Organisation.__table__, _ORG.id == _ASSET.owner_id))
    .where(_ASSET.id.in_(sa.bindparam("ids", expanding=True)))
)


def _details(session, actor, candidates) -> tuple[dict, dict]:
    """({asset id: geometry}, {owner id: (name, contact)}) of the candidates this actor may
    not see in full by rule: what grants, masks and "whom to ask" need, in one query."""
    wanted = [c["asset_id"] for c in candidates if not _full_by_rule(actor, c)]
    rows = session.connection().execute(DETAILS, {"ids": wanted})
    geometries, owners = {}, {}
    for asset_id, geom, owner_id, name, contact in rows:
        geometries[asset_id] = geom
        owners[owner_id] = (name, contact)
    return geometries, owners


def _mask(candidate: dict, grid_m: float) -> dict:
    out = {k: v for k, v in candidate.items() if k not in ("owner_ref", "explanation")}
    out["distance_m"] = round(candidate["distance_m"] / grid_m) * grid_m
    if "covered_m" in out:
        out["covered_m"] = _grid(candidate["covered_m"], grid_m)
    for key in ("intervals", "laterals_m"):  # laterals: how far the asset runs off the route
        if key in out:
            out[key] = [[_grid(a, grid_m), _grid(b, grid_m)] for a, b in candidate[key]]
    out["masked"] = True
    out["explanation"] = (
        f"A {candidate['kind']} of {candidate['owner_name']} about "
        f"{out['distance_m']:g} m away could share; its details are "
        "restricted, ask the owner."
    )
    return out


def _coarse_leg(leg: dict, grid_m: float) -> dict:
    """A cover leg of a restricted asset, with its ends rounded to the mask grid."""
    out = dict(leg, masked=True)
    for key in ("from_m", "to_m", "length_m", "lateral_from_m", "lateral_to_m"):
        if key in out:
            out[key] = _grid(leg[key], grid_m)
    return out


def _grid(metres: float, grid_m: float) -> float:
    """Metres rounded to the mask grid: what a masked caller may know of a distance."""
    return round(metres / grid_m) * grid_m


def _whom_to_ask(session, owner_ids: set[int], known: dict) -> list[dict]:
    """The owners to ask, by id; `known` (from _details) holds them unless an asset went
    away since the match (then they are read)."""
    if not owner_ids <= known.keys():
        rows = session.execute(
            sa.select(Organisation.id, Organisation.name, Organisation.contact).where(
                Organisation.id.in_(sorted(owner_ids))
            )
        )
        known = {i: (n, c) for i, n, c in rows}
    return [
        {"owner_id": i, "owner_name": known[i][0], "contact": known[i][1]}
        for i in sorted(owner_ids)
        if i in known
    ]


def redact_report(open_session, actor, report: dict, grid_m: float = 100.0):
    """(the report as this actor may see it, {grant_id: [asset ids revealed by grants]}).

    Grant uses are noted for the audit here (registry.access.grant_uses); the second value
    is informational.

    `open_session()` gives a context-managed session; it is opened only when some candidate
    is not the caller's to see in full (grant areas, masked geometries, whom to ask), so
    most reports cost no query.
    """
    candidates = report["candidates"]
    if sees_everything(actor) or all(
        c["sensitivity"] == Sensitivity.PUBLIC or c["owner_id"] == actor.org_id for c in candidates
    ):
        return {**report, "hidden_candidates": {"count": 0, "ask": []}}, {}
    # A shallow copy: _redact replaces the parts it changes (candidates, reason, cover,
    # hidden_candidates) and never writes into the engine's dicts, so a deep copy of the
    # whole report, the costliest step here, bought nothing.
    out = dict(report)
    # Masked candidates are judged on their masked geometry (see withheld_by_mask): a query.
    with open_session() as session:
        return _redact(session, actor, report, out, grid_m)


def _redact(session, actor, report: dict, out: dict, grid_m: float):
    geometries, owners = _details(session, actor, report["candidates"])
    levels = {c["asset_id"]: _entitlement(actor, c, geometries) for c in report["candidates"]}
    masked = [c for c in report["candidates"] if levels[c["asset_id"]][0] == "masked"]
    withheld = withheld_by_mask(geometries, report["request"], masked, grid_m)
    shown, hidden_ids, hidden_owners, uses = [], set(), set(), {}
    for candidate in report["candidates"]:
        level, grant_id = levels[candidate["asset_id"]]
        if grant_id is not None:
            grant_uses.note(grant_id, candidate["asset_id"])
            uses.setdefault(grant_id, []).append(candidate["asset_id"])
        if level == "hidden" or candidate["asset_id"] in withheld:
            hidden_ids.add(candidate["asset_id"])
            hidden_owners.add(candidate["owner_id"])
            continue
        shown.append(candidate if level == "full" else _mask(candidate, grid_m))
    out["candidates"] = shown
    best_hidden = report["candidates"] and (
        not shown
        or shown[0].get("masked")
        or shown[0]["asset_id"] != report["candidates"][0]["asset_id"]
    )
    if best_hidden:
        # The engine's sentence names the best candidate; say only what the caller may know.
        out["reason"] = (
            f"{len(report['candidates'])} existing asset(s) can serve this request;"
            f" {len(hidden_ids)} of them are confidential and "
            f"{sum(1 for c in shown if c.get('masked'))} restricted: ask their "
            "owners (see hidden_candidates and the masked candidates)."
        )
    if "cover" in out:
        masked_ids = {c["asset_id"] for c in shown if c.get("masked")}
        out["cover"] = [
            _coarse_leg(leg, grid_m) if leg["asset_id"] in masked_ids else leg
            for leg in out["cover"]
            if leg["asset_id"] not in hidden_ids
        ]
    out["hidden_candidates"] = {
        "count": len(hidden_ids),
        "ask": _whom_to_ask(session, hidden_owners, owners),
    }
    return out, uses


def withheld_by_mask(
    geometries: dict, request: dict, masked: list[dict], grid_m: float
) -> set[int]:
    """Ids of the masked candidates to withhold: those whose masked geometry lies beyond the
    search radius (or corridor) less one grid step.

    The engine finds candidates on their precise geometry, so "in the report or not" would
    tell a caller who varies radius_m the precise distance of a restricted asset. Kept only
    when its masked geometry is within radius - grid (then the precise one is surely within
    the radius too), membership depends on the mask alone. Withheld ones are counted with
    the hidden candidates (whom to ask).
    """
    if not masked:
        return set()
    ids = [c["asset_id"] for c in masked]
    snapped = {i: snap(geometries[i], grid_m) for i in ids if i in geometries}
    if "route" in request:
        reach = request["corridor_m"] - grid_m
        far = {i: distance_to_route(g, request["route"]) for i, g in snapped.items()}
    else:
        reach = request["radius_m"] - grid_m
        lon, lat = request["location"]
        far = {i: distance_to(g, lon, lat) for i, g in snapped.items()}
    return {i for i in ids if i not in far or far[i] > reach}
