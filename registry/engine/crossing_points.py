"""Where a plan's new trench crosses rail lines and major roads: points to show on a map.

The planner counts and prices the crossings (`matching.planner.crossings`); this only marks
them, as many per barrier kind as the planner counted on the leg. Like the planner, it works
in a plane facing the leg (earth-centred coordinates projected linearly, so chords stay
straight; lon/lat would break across the antimeridian and near the poles). Candidates: first
where the leg passes through a barrier line between two of its vertices, then its vertices
that lie on a barrier line (a lateral leaving a duct drawn along a road's centreline: the
planner decides whether that counts as if the vertex were moved a hair; the mark is the
vertex itself). Never more marks than counted; in rare near-ties (seen only in random tests
across the antimeridian, on coordinates rounded to 1e-7°) fewer.
"""

from __future__ import annotations

import numpy as np
import shapely

from matching import rules
from matching.planner import frame
from matching.planner.crossings import Barriers

# A vertex this close to a barrier line is on it: the plan's coordinates are rounded to 1e-7°
# (about 1 cm), so a node the planner had exactly on a line may be a hair off it here.
_ON_LINE_M = 0.05


class _Plane:
    """A plane facing a leg: metres east and north of the earth-centred normal at its middle."""

    def __init__(self, xyz: np.ndarray) -> None:
        self.normal = xyz.sum(axis=0) / np.linalg.norm(xyz.sum(axis=0))
        helper = np.array([0.0, 0.0, 1.0]) if abs(self.normal[2]) < 0.9 else np.eye(3)[0]
        east = np.cross(helper, self.normal)
        east /= np.linalg.norm(east)
        self.basis = np.column_stack([east, np.cross(self.normal, east)])

    def facing(self, xyz: np.ndarray) -> bool:
        """Is every point on the leg's side of the earth (so nothing folds over)?"""
        return bool((xyz @ self.normal > 0).all())

    def __call__(self, xyz: np.ndarray) -> shapely.LineString:
        return shapely.LineString(xyz @ self.basis)


def _lonlat(coords: np.ndarray, measure: float, leg: shapely.LineString) -> list[float]:
    """Lon/lat of the point `measure` metres along the planar leg (its segment's lerp)."""
    k = int(np.searchsorted(np.cumsum(np.hypot(*np.diff(leg.coords, axis=0).T)), measure))
    k = min(k, len(coords) - 2)
    start = leg.project(shapely.Point(leg.coords[k]))
    step = np.hypot(*np.subtract(leg.coords[k + 1], leg.coords[k]))
    f = 0.0 if step == 0 else min(1.0, max(0.0, (measure - start) / step))
    d_lon = (coords[k + 1, 0] - coords[k, 0] + 180.0) % 360.0 - 180.0
    lon = (coords[k, 0] + f * d_lon + 180.0) % 360.0 - 180.0
    lat = coords[k, 1] + f * (coords[k + 1, 1] - coords[k, 1])
    return [round(float(lon), 7) + 0.0, round(float(lat), 7) + 0.0]


def _candidates(coords: np.ndarray, barriers: Barriers) -> list[tuple]:
    """(0 for a pass between vertices or 1 for a vertex on a line, measure, kind, lon/lat)."""
    xyz = frame.ecef(coords)
    plane = _Plane(xyz)
    leg = plane(xyz)
    nodes = shapely.points(shapely.get_coordinates(leg))
    found = []
    box = shapely.box(*(coords.min(axis=0) - 1e-3), *(coords.max(axis=0) + 1e-3))
    for i in np.sort(barriers.tree.query(box)):  # a line across the antimeridian spans all
        vertices = barriers.xyz[barriers.offsets[i] : barriers.offsets[i + 1]]  # earth-centred
        if not plane.facing(vertices):
            continue
        kind, line = rules.BARRIER_KINDS[int(barriers.kind[i])], plane(vertices)
        met = shapely.get_parts(shapely.intersection(leg, line))
        for point in met[shapely.get_type_id(met) == 0]:  # overlaps along a line: not crossings
            if shapely.distance(nodes, point).min() > _ON_LINE_M:
                found.append((0, leg.project(point), kind))
        for node in nodes[shapely.distance(nodes, line) <= _ON_LINE_M]:
            found.append((1, leg.project(node), kind))
    return [(*c, _lonlat(coords, c[1], leg)) for c in found]


def _points(coords: np.ndarray, kinds: dict[str, int], barriers: Barriers) -> list[dict]:
    """The leg's crossings, kinds[kind] of each kind at most, in travel order."""
    chosen = []
    found = sorted(_candidates(coords, barriers), key=lambda c: c[:2])
    for kind, n in kinds.items():
        chosen += [c for c in found if c[2] == kind][:n]
    chosen.sort(key=lambda c: c[1])
    return [{"kind": kind, "coordinates": at} for _, _, kind, at in chosen]


def mark(report: dict, barriers: Barriers | None) -> dict:
    """The plan with `crossings.points` ([{kind, coordinates}]) on each leg that crosses."""
    if barriers is None or not len(barriers):
        return report
    for option in [report, *report["alternatives"]]:
        for leg in option["legs"]:
            crossed = leg.get("crossings")
            if crossed and crossed["count"] and leg.get("geometry"):
                coords = np.asarray(leg["geometry"]["coordinates"], dtype=np.float64)
                crossed["points"] = _points(coords, crossed["kinds"], barriers)
    return report
