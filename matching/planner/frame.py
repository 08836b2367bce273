"""The planner's metric: ECEF chords, which bound geodesic lengths within a known error.

Until 2026-11-29 the planner projected every vertex of a plan into a Transverse Mercator frame
centred on the request (pyproj, twice per plan, ~15% of its time) and trusted it only within
10° of its meridian. A chord between two points of the ellipsoid is never longer than the
geodesic between them, and a geodesic bends at most as much as the ellipsoid's sharpest
normal section (radius a(1 - e²) = 6 335 439 m), so by Schur's comparison theorem a chord c
under 0.3 of that radius is within c·(κc)²/20 of the geodesic: 1e-10 of it at 250 m, 1e-4 at
300 km. Anywhere on the globe, across the antimeridian and at the poles too.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_A = 6378137.0  # WGS84, as pyproj's Geod(ellps="WGS84") that measures every length
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_CURVATURE = 1 / 6.3354e6  # the largest normal curvature, 1 / (a (1 - e²)), rounded up
_TRUSTED_REACH = 0.3 / _CURVATURE  # farther apart: no bound is given (an infinite slack)


def ecef(lonlat: np.ndarray) -> np.ndarray:
    """(n, 3) earth-centred metres of (n, 2) lon/lat on the ellipsoid."""
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    n = _A / np.sqrt(1 - _E2 * sin_lat * sin_lat)
    return np.column_stack(
        [n * cos_lat * np.cos(lon), n * cos_lat * np.sin(lon), n * (1 - _E2) * sin_lat]
    )


@njit(cache=True, nogil=True, inline="always")
def _ecef(lon_deg, lat_deg, out, i):  # pragma: no cover - compiled
    """`frame.ecef` of one point into out[i] (the same operations, so the same bits)."""
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    n = _A / np.sqrt(1 - _E2 * sin_lat * sin_lat)
    out[i, 0] = n * cos_lat * np.cos(lon)
    out[i, 1] = n * cos_lat * np.sin(lon)
    out[i, 2] = n * (1 - _E2) * sin_lat


@njit("float64[:](float64[:, :])", cache=True, nogil=True)
def _extent(xyz):  # pragma: no cover - compiled
    """max - min of each column (exact, as numpy's; NaN if any is)."""
    lo, hi = xyz[0].copy(), xyz[0].copy()
    for i in range(1, len(xyz)):
        for a in range(xyz.shape[1]):
            lo[a], hi[a] = min(lo[a], xyz[i, a]), max(hi[a], xyz[i, a])
    if np.isnan(xyz).any():
        lo[:] = np.nan
    return hi - lo


def slack(xyz: np.ndarray) -> float:
    """A bound on geodesic / chord - 1 for every pair among these points (inf if too far)."""
    if not len(xyz):
        return np.inf
    # >= every chord (the box's extent compiled: numpy's reductions along axis 0 of an (n, 3)
    # array took ~70 µs for a 5 km plan)
    return slack_of(_extent(np.ascontiguousarray(xyz, dtype=np.float64)))


def slack_of(extent: np.ndarray) -> float:
    """`slack` from the points' box extent (`_extent`, `framed`)."""
    reach = float(np.linalg.norm(extent))
    if not reach <= _TRUSTED_REACH:
        return np.inf
    return (_CURVATURE * reach) ** 2 / 20 + 1e-12


def plane(xyz: np.ndarray) -> np.ndarray:
    """(n, 2) coordinates in a plane facing the points: a projection, so two points are never
    farther apart in it than their chord (what the grid needs)."""
    if xyz.shape[1] == 2 or not len(xyz):
        return xyz[:, :2]
    # Any plane's projection shrinks distances; one facing the points keeps them apart (three
    # of them set its direction: a mean over every point cost more than the projection).
    normal = xyz[0] + xyz[len(xyz) // 2] + xyz[-1]
    nx, ny, nz = normal / (np.sqrt(normal @ normal) or 1.0)
    # east = (helper x normal) / |.|, north = normal x east; written out: np.cross on two
    # 3-vectors costs more than the projection itself
    if abs(nz) < 0.9:  # helper: the polar axis
        ex, ey, ez = -ny, nx, 0.0
    else:  # near a pole: the x axis
        ex, ey, ez = 0.0, -nz, ny
    norm = np.sqrt(ex * ex + ey * ey + ez * ez)
    ex, ey, ez = ex / norm, ey / norm, ez / norm
    basis = np.array([[ex, ny * ez - nz * ey], [ey, nz * ex - nx * ez], [ez, nx * ey - ny * ex]])
    return xyz @ basis


@njit(
    "Tuple((float64[:, :], float64[:], float64[:, :]))(float64[:, :], float64[:, :])",
    cache=True,
    nogil=True,
)
def framed(ends, vertices):  # pragma: no cover - compiled
    """(ECEF of the two ends (lon/lat) then the vertices (ECEF already), their box extent
    (`slack_of`), a `plane` of them all): what the graph build asked of numpy in ~20 calls
    (the ends' ECEF, a concatenation, the extent, a plane for the snap and another for the
    trench), in one. The ends' ECEF are `pull._ecef`'s, the same bits as `ecef`'s."""
    n = len(vertices) + 2
    xyz = np.empty((n, 3))
    _ecef(ends[0, 0], ends[0, 1], xyz, 0)
    _ecef(ends[1, 0], ends[1, 1], xyz, 1)
    xyz[2:] = vertices
    extent = _extent(xyz)
    normal = xyz[0] + xyz[n // 2] + xyz[n - 1]  # as `plane` (any facing plane would do)
    size = np.sqrt(normal[0] ** 2 + normal[1] ** 2 + normal[2] ** 2)
    nx, ny, nz = normal / (size if size != 0 else 1.0)
    if abs(nz) < 0.9:
        ex, ey, ez = -ny, nx, 0.0
    else:
        ex, ey, ez = 0.0, -nz, ny
    norm = np.sqrt(ex * ex + ey * ey + ez * ez)
    ex, ey, ez = ex / norm, ey / norm, ez / norm
    north = (ny * ez - nz * ey, nz * ex - nx * ez, nx * ey - ny * ex)
    plane = np.empty((n, 2))
    for i in range(n):
        plane[i, 0] = xyz[i, 0] * ex + xyz[i, 1] * ey + xyz[i, 2] * ez
        plane[i, 1] = xyz[i, 0] * north[0] + xyz[i, 1] * north[1] + xyz[i, 2] * north[2]
    return xyz, extent, plane
