"""Vectorised generator of a province-sized registry (1 M+ assets) as numpy columns."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from seed_data._bench_columns import (
    KIND_CODE,
    LINE_KIND_P,
    NO_RESOURCE,
    OWNERS,
    POINT_KIND_P,
    RESOURCE_CODE,
    Columns,
    make_columns,
    make_heights,
)
from seed_data._bench_geometry import make_clusters, scatter, street_lines
from seed_data.capacity import by_platform, platform_heights
from seed_data.geo import LocalFrame
from seed_data.orgs import MUNICIPAL, NANNING_ORGS, OPERATORS, POWER_GRID
from seed_data.spec import (
    KIND_CODES,
    KINDS,
    RESOURCES,
    SENSITIVITIES,
    STATUSES,
    Feature,
    OrgSpec,
    feature,
    linestring,
    point,
)

log = logging.getLogger(__name__)

__all__ = [
    "KIND_CODE",
    "NO_RESOURCE",
    "OWNERS",
    "RESOURCE_CODE",
    "SCALES",
    "BenchmarkArrays",
    "Columns",
    "generate_arrays",
    "iter_features",
    "orgs",
    "owner_ref",
    "scale_sizes",
]

# Named registry sizes (points, lines, provinces): the default province-sized benchmark and a
# national one (China: ~2 M tower sites and tens of millions of poles). A national registry
# is ten provinces side by side, each with the 1 M benchmark's cities and densities: a
# country grows by covering more land, not by packing ten times the towers into one province
# (which would give every site query ten times the candidates).
SCALES = {"1m": (1_000_000, 200_000, 1), "10m": (10_000_000, 2_000_000, 10)}


def scale_sizes(name: str) -> tuple[int, int, int]:
    """(points, lines, provinces) of a named scale ("1m", "10m")."""
    try:
        return SCALES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; use one of {sorted(SCALES)}") from None


@dataclass(frozen=True)
class BenchmarkArrays:
    """Point assets (lon, lat, height) and line assets (flat coordinates with offsets)."""

    points: Columns
    lon: np.ndarray  # float64
    lat: np.ndarray  # float64
    height: np.ndarray  # float32 metres, NaN where the kind has no height
    lines: Columns
    line_offsets: np.ndarray  # int64 (n_lines + 1,): line i is coords[offsets[i]:offsets[i+1]]
    line_coords: np.ndarray  # float64 (n_vertices, 2) lon, lat
    bbox: tuple[float, float, float, float]

    def line_bounds(self) -> np.ndarray:
        """(n_lines, 4) min_lon, min_lat, max_lon, max_lat of every line, for R-tree loading."""
        starts = self.line_offsets[:-1]
        if len(starts) == 0:
            return np.empty((0, 4))
        lo = np.minimum.reduceat(self.line_coords, starts, axis=0)
        hi = np.maximum.reduceat(self.line_coords, starts, axis=0)
        return np.column_stack([lo, hi])


def generate_arrays(
    n_points: int = 1_000_000,
    n_lines: int = 200_000,
    seed: int = 7,
    centre: tuple[float, float] = (108.366, 22.817),
    extent_km: float = 600.0,
    n_clusters: int = 40,
    provinces: int = 1,
) -> BenchmarkArrays:
    """Clustered assets over an `extent_km` square (default: roughly Guangxi).

    `provinces` > 1 makes a country of that many such provinces: the square's area and the
    number of cities grow by that factor, so the densities stay those of one province.
    """
    rng = np.random.default_rng(seed)
    frame, half = LocalFrame(*centre), extent_km * 500.0 * provinces**0.5
    clusters = make_clusters(rng, n_clusters * provinces, half, groups=provinces)
    xy, _ = scatter(rng, n_points, clusters, half, p_rural=0.08)
    points = make_columns(rng, np.arange(n_points, dtype=np.int64), POINT_KIND_P)
    height = make_heights(rng, points.kind)
    lon, lat = frame.to_lonlat(xy[:, 0], xy[:, 1])
    offsets, line_xy = street_lines(rng, n_lines, clusters, half)
    lines = make_columns(rng, np.arange(n_points, n_points + n_lines, dtype=np.int64), LINE_KIND_P)
    line_lon, line_lat = frame.to_lonlat(line_xy[:, 0], line_xy[:, 1])
    log.info("benchmark: %d points in %d clusters, %d lines", n_points, n_clusters, n_lines)
    return BenchmarkArrays(
        points,
        lon,
        lat,
        height,
        lines,
        offsets,
        np.column_stack([line_lon, line_lat]),
        frame.bbox(half),
    )


def owner_ref(kind_code: int, asset_id: int) -> str:
    """The benchmark owner reference of an asset, e.g. "BM-TWR-000000042" (unique overall)."""
    return f"BM-{KIND_CODES[KINDS[kind_code]]}-{asset_id:09d}"


def orgs() -> list[OrgSpec]:
    """The organisations that `OWNERS` codes refer to."""
    return list(NANNING_ORGS)


def iter_features(
    arrays: BenchmarkArrays,
    start: int = 0,
    stop: int | None = None,
    lines: bool = True,
    chunk: int = 20_000,
) -> Iterator[Feature]:
    """Feature dicts for points[start:stop], then (if `lines`) every line; lazily."""
    stop = len(arrays.lon) if stop is None else min(stop, len(arrays.lon))
    for lo in range(start, stop, chunk):
        hi = min(lo + chunk, stop)
        coords = zip(
            arrays.lon[lo:hi].tolist(),
            arrays.lat[lo:hi].tolist(),
            arrays.height[lo:hi].tolist(),
            strict=True,
        )
        for row, (lon, lat, h) in zip(_rows(arrays.points, lo, hi), coords, strict=True):
            yield _feature(row, point(lon, lat), None if h != h else h)  # h != h: NaN
    if not lines:
        return
    off = arrays.line_offsets
    for lo in range(0, len(off) - 1, chunk):
        hi = min(lo + chunk, len(off) - 1)
        vertices = arrays.line_coords[off[lo] : off[hi]].tolist()
        starts = (off[lo : hi + 1] - off[lo]).tolist()
        for k, row in enumerate(_rows(arrays.lines, lo, hi)):
            yield _feature(row, linestring(vertices[starts[k] : starts[k + 1]]), None)


def _rows(c: Columns, lo: int, hi: int):
    cols = (c.kind, c.owner, c.ids, c.resource, c.total, c.free, c.status, c.sensitivity)
    return zip(*(col[lo:hi].tolist() for col in cols), strict=True)


def _feature(row: tuple, geometry: dict, height: float | None) -> Feature:
    kind_code, owner_code, asset_id, res_code, total, free, status, sensitivity = row
    kind, owner = KINDS[kind_code], OWNERS[owner_code]
    capacity: dict = {}
    allocations: list = []
    if res_code != NO_RESOURCE:
        resource = RESOURCES[res_code]
        capacity[resource] = {"total": total}
        if resource == "antenna_mount" and height is not None:
            capacity[resource]["heights"] = _mount_heights(kind, height, total)
        per = {"tower": 3, "fiber_cable": max(total, 1)}.get(kind, 1)
        if STATUSES[status] == "in_service":
            allocations = by_platform(resource, total - free, _tenants(owner, asset_id), per)
    return feature(
        geometry,
        kind,
        owner,
        owner_ref(kind_code, asset_id),
        attributes=_attributes(kind, owner, asset_id, height),
        capacity=capacity,
        allocations=allocations,
        status=STATUSES[status],
        sensitivity=SENSITIVITIES[sensitivity],
    )


def _tenants(owner: str, asset_id: int) -> list[str]:
    k = asset_id % len(OPERATORS)
    others = [op for op in OPERATORS[k:] + OPERATORS[:k] if op != owner]
    return [owner, *others] if owner in OPERATORS else others


def _mount_heights(kind: str, height: float, total: int) -> list[float]:
    if kind == "tower":
        return platform_heights(height - 1, total)
    return [round(height + (3.0 if kind == "rooftop" else -0.5), 1)] * total


def _attributes(kind: str, owner: str, asset_id: int, height: float | None) -> dict:
    attrs: dict = {} if height is None else {"height_m": height}
    if kind == "tower":
        attrs["structure"] = ("monopole", "lattice", "guyed", "other")[asset_id % 4]
    elif kind == "pole":
        attrs["material"] = ("concrete", "steel", "wood")[asset_id % 3]
        attrs["use"] = {POWER_GRID: "power", MUNICIPAL: "lighting"}.get(owner, "telecom")
    elif kind == "duct":
        attrs.update(diameter_mm=110.0, material="hdpe", depth_m=1.0)
    elif kind == "fiber_cable":
        attrs["cable_type"] = "duct"
    return attrs
