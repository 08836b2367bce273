"""Where a plan's new trench crosses rail lines and major roads: points to show on a map.

The planner counts and prices the crossings (`matching.planner.crossings`); this only marks
them, as many per barrier kind as the planner counted on the leg. Candidates are found by
shapely in lon/lat (over a leg's straight pieces, a few hundred metres at most, that is the
planner's plane to well under a millimetre): first where the leg passes through a barrier
line between two of its vertices, then its vertices that lie on a barrier line (a lateral
leaving a duct drawn along a road's centreline: the planner decides whether that counts as
a crossing as if the vertex were moved a hair, and the mark is the vertex itself).
"""

from __future__ import annotations

import numpy as np
import shapely

from matching import rules
from matching.planner.crossings import Barriers

# A vertex this close to a barrier line is on it: the plan's coordinates are rounded to 1e-7°
# (about 1 cm), so a node the planner had exactly on a line may be a hair off it here.
_ON_LINE_DEG = 2e-7


def _barrier_lines(barriers: Barriers, leg: shapely.LineString):
    """(kind name, LineString) of each barrier line whose box meets the leg's."""
    for i in np.sort(barriers.tree.query(leg.buffer(_ON_LINE_DEG))):
        coords = barriers.values[barriers.offsets[i] : barriers.offsets[i + 1]]
        yield rules.BARRIER_KINDS[int(barriers.kind[i])], shapely.LineString(coords)


def _candidates(leg: shapely.LineString, barriers: Barriers) -> list[tuple]:
    """(0 for a pass between vertices or 1 for a vertex on the line, measure, kind, point)."""
    nodes = shapely.points(shapely.get_coordinates(leg))
    found = []
    for kind, line in _barrier_lines(barriers, leg):
        met = shapely.get_parts(shapely.intersection(leg, line))
        for point in met[shapely.get_type_id(met) == 0]:  # overlaps along a line: not crossings
            if shapely.distance(nodes, point).min() > _ON_LINE_DEG:
                found.append((0, leg.project(point), kind, point))
        for node in nodes[shapely.distance(nodes, line) <= _ON_LINE_DEG]:
            found.append((1, leg.project(node), kind, node))
    return found


def _points(leg: shapely.LineString, kinds: dict[str, int], barriers: Barriers) -> list[dict]:
    """The leg's crossings, kinds[kind] of each kind at most, in travel order."""
    chosen = []
    found = sorted(_candidates(leg, barriers), key=lambda c: c[:2])
    for kind, n in kinds.items():
        chosen += [c for c in found if c[2] == kind][:n]
    chosen.sort(key=lambda c: c[1])
    return [{"kind": kind, "coordinates": [round(p.x, 7), round(p.y, 7)]}
            for _, _, kind, p in chosen]  # fmt: skip


def mark(report: dict, barriers: Barriers | None) -> dict:
    """The plan with `crossings.points` ([{kind, coordinates}]) on each leg that crosses."""
    if barriers is None or not len(barriers):
        return report
    for option in [report, *report["alternatives"]]:
        for leg in option["legs"]:
            crossed = leg.get("crossings")
            if crossed and crossed["count"] and leg.get("geometry"):
                line = shapely.geometry.shape(leg["geometry"])
                crossed["points"] = _points(line, crossed["kinds"], barriers)
    return report
