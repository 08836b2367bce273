"""The demo city's barriers: its railway track, ring expressway and arterial streets.

Planned routes pay to cross them (`registry.barriers`). The track runs 6 m beside the
railway's cable trough and the expressway's carriageway 8 m inside its ducts, so a lateral
from the trough or the ducts crosses them only when it leaves on the far side; the arterials
are the street generator's own arterial segments (the streets' ducts run along them).
"""

from __future__ import annotations

import numpy as np

from seed_data.geo import LocalFrame

RAIL_NAME = "Hunan–Guangxi railway (湘桂铁路)"
RING_NAME = "Nanning Ring Expressway (南宁绕城高速)"


def _beside(xy: np.ndarray, metres: float) -> np.ndarray:
    """The polyline moved `metres` to its left (a vertex along the mean of its segments'
    normals)."""
    d = np.diff(xy, axis=0)
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(*d.T)[:, None]
    at = np.vstack([normal[:1], normal[:-1] + normal[1:], normal[-1:]])
    return xy + metres * at / np.hypot(*at.T)[:, None]


def _feature(frame: LocalFrame, xy: np.ndarray, source_id: str, name: str, ref=None) -> dict:
    lon, lat = frame.to_lonlat(xy[:, 0], xy[:, 1])
    coords = [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]
    return {
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {"id": source_id, "name": name, "ref": ref},
    }


def city_barriers(frame: LocalFrame, paths: dict) -> dict[str, list[dict]]:
    """{"rail": [...], "major_road": [...]} GeoJSON-like features from the generator's paths
    (`demo_city._features(..., paths)`), with stable ids for re-runs."""
    streets = paths["streets"]
    roads = [_feature(frame, _beside(paths["ring"], 8.0), "ring", RING_NAME, "G7201")]
    for k in np.flatnonzero(streets.arterial):
        roads.append(_feature(frame, streets.geoms[k], f"arterial-{k}", "Arterial road"))
    rail = [_feature(frame, _beside(paths["rail"], -6.0), "rail", RAIL_NAME)]
    return {"rail": rail, "major_road": roads}
