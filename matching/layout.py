"""Where points sit in the base table: Sort-Tile-Recursive order, cut into leaf buckets.

Neighbouring slots are neighbours on the ground, so one tree entry can stand for a bucket of
`bucket` points and a query scans a few short, contiguous runs of the coordinate arrays.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

BUCKET = 16  # points per tree entry: 16x less tree memory; each scan is still one cache line pair


def str_order(lon: np.ndarray, lat: np.ndarray, bucket: int = BUCKET) -> np.ndarray:
    """Sort-Tile-Recursive order: vertical slices by lon, each sorted by lat.

    The slices are equal runs of the lon order, so one row-wise argsort of a 2-D view sorts
    them all: ~2x faster than a lexsort on (slice, lat) over a million points.
    """
    n = len(lon)
    per = max(int(np.ceil(np.sqrt(n / bucket))), 1) * bucket  # points per slice
    by_lon = np.argsort(lon, kind="stable")
    lat_by_lon = lat[by_lon]
    full = n - n % per
    order = np.empty(n, dtype=np.int64)
    if full:
        within = np.argsort(lat_by_lon[:full].reshape(-1, per), axis=1, kind="stable")
        within += np.arange(0, full, per)[:, None]
        order[:full] = by_lon[within.ravel()]
    tail = by_lon[full:]
    order[full:] = tail[np.argsort(lat_by_lon[full:], kind="stable")]
    return order


def bucket_bounds(
    lon_or_boxes: np.ndarray, lat: np.ndarray | None = None, *, bucket: int = BUCKET
) -> tuple[np.ndarray, np.ndarray]:
    """(mins, maxs) of each run of `bucket` consecutive points (lon, lat) or boxes (n, 4)."""
    starts = np.arange(0, len(lon_or_boxes), bucket)
    if lat is None:
        boxes = lon_or_boxes
        return (
            np.minimum.reduceat(boxes[:, :2], starts, axis=0),
            np.maximum.reduceat(boxes[:, 2:], starts, axis=0),
        )
    low = [np.minimum.reduceat(c, starts) for c in (lon_or_boxes, lat)]
    high = [np.maximum.reduceat(c, starts) for c in (lon_or_boxes, lat)]
    return np.column_stack(low), np.column_stack(high)


def bucket_slots(buckets: np.ndarray, count: int, bucket: int = BUCKET) -> np.ndarray:
    """All slots of the given buckets, below `count`."""
    slots = (buckets[:, None] * bucket + steps(bucket)).ravel()
    if count % bucket and len(buckets) and buckets.max() == count // bucket:
        slots = slots[slots < count]  # only the last bucket can be short
    return slots


@lru_cache(maxsize=8)
def steps(bucket: int) -> np.ndarray:
    """0, 1, ..., bucket - 1 (shared, read-only)."""
    steps = np.arange(bucket)
    steps.setflags(write=False)
    return steps
