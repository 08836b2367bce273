"""A path on the planning graph as the report's legs, totals, baseline and explanation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.planner import crossings
from matching.planner.graph import TRENCH, Graph
from matching.reports import metres


def _lonlat(points) -> list[list[float]]:
    return [[round(float(x), 7) + 0.0, round(float(y), 7) + 0.0] for x, y in points]


def _edge_points(graph: Graph, edge: int, forwards: bool) -> np.ndarray:
    if graph.line[edge] == TRENCH:
        points = graph.nodes[[graph.u[edge], graph.v[edge]]]
    else:
        coords, k = graph.lines[graph.line[edge]].coords, int(graph.seg[edge])
        points = coords[k : k + 2]
    return points if forwards else points[::-1]


def _runs(graph: Graph, path: list[tuple[int, bool]]) -> list[list[tuple[int, bool]]]:
    """Consecutive edges of one asset (or of new trench) grouped into one leg each."""
    runs: list[list[tuple[int, bool]]] = []
    for step in path:
        if runs and graph.line[runs[-1][-1][0]] == graph.line[step[0]]:
            runs[-1].append(step)
        else:
            runs.append([step])
    return runs


def _leg(graph: Graph, run, kind: str) -> dict:
    points = [_edge_points(graph, e, forwards) for e, forwards in run]
    joined = np.concatenate([points[0]] + [p[1:] for p in points[1:]])
    leg = {
        "type": kind,
        "length_m": float(sum(graph.length[e] for e, _ in run)),
        "cost": float(sum(graph.cost[e] for e, _ in run)),
        "geometry": {"type": "LineString", "coordinates": _lonlat(joined)},
    }
    if kind == "reuse":
        line = graph.lines[graph.line[run[0][0]]]
        leg.update(
            asset_id=line.asset_id,
            owner_id=line.owner_id,
            owner_name=line.owner_name,
            owner_ref=line.owner_ref,
            kind=line.kind,
            sensitivity=line.sensitivity,
            sharing_mode=graph.modes[graph.line[run[0][0]]],
        )
    elif (crossed := crossings.describe(graph, run)) is not None:
        # what the crossings add to the leg's cost: shown apart from the metres
        crossed["cost"] = metres(float(graph.fixed[[e for e, _ in run]].sum()))
        leg["crossings"] = crossed
    return leg


def legs_of(graph: Graph, path: list[tuple[int, bool]]) -> list[dict]:
    """Legs in travel order; new trench next to a reuse leg is a lateral."""
    runs = _runs(graph, path)
    reuse = [graph.line[run[0][0]] != TRENCH for run in runs]
    legs = []
    for k, run in enumerate(runs):
        if reuse[k]:
            legs.append(_leg(graph, run, "reuse"))
            continue
        beside = (k > 0 and reuse[k - 1]) or (k + 1 < len(runs) and reuse[k + 1])
        legs.append(_leg(graph, run, "lateral" if beside else "new_trench"))
    return legs


@dataclass(frozen=True)
class PlanOption:
    """One planned path: its legs and totals (unrounded cost kept for the oracle tests)."""

    cost: float
    legs: list[dict]

    def total(self) -> dict:
        reuse = [leg for leg in self.legs if leg["type"] == "reuse"]
        return {
            "cost": metres(self.cost),
            "length_m": metres(sum(leg["length_m"] for leg in self.legs)),
            "reuse_m": metres(sum(leg["length_m"] for leg in reuse)),
            "new_trench_m": metres(sum(leg["length_m"] for leg in self.legs if leg not in reuse)),
            "owners": len({leg["owner_id"] for leg in reuse}),
        }

    def to_dict(self, baseline_cost: float) -> dict:
        legs = [
            {**leg, "length_m": metres(leg["length_m"]), "cost": metres(leg["cost"])}
            for leg in self.legs
        ]
        return {"legs": legs, "total": self.total(), "saving": metres(baseline_cost - self.cost)}


def explanation(option: PlanOption, baseline_cost: float, span_m: float, currency: str) -> str:
    total = option.total()
    reused = {leg["asset_id"] for leg in option.legs if leg["type"] == "reuse"}
    if not reused:
        # with barriers, trench round a rail line's end may beat the straight line
        length, cost = (span_m, baseline_cost) if option.cost >= baseline_cost else (
            total["new_trench_m"], option.cost)  # fmt: skip
        return (
            f"No existing line with the free capacity helps: build {length:,.0f} m of new "
            f"trench for {cost:,.0f} {currency}."
        ) + crossings.sentence(option.legs)
    return (
        f"Reuse {total['reuse_m']:,.0f} m of {len(reused)} existing asset(s) of "
        f"{total['owners']} owner(s) and dig {total['new_trench_m']:,.0f} m of new trench "
        f"(laterals included) for {total['cost']:,.0f} {currency}: "
        f"{baseline_cost - option.cost:,.0f} {currency} less than {span_m:,.0f} m of new "
        f"trench along the straight line ({baseline_cost:,.0f} {currency})."
    ) + crossings.sentence(option.legs)
