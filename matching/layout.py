"""Where points sit in the base table: Sort-Tile-Recursive order, cut into leaf buckets.

Neighbouring slots are neighbours on the ground, so one tree entry can stand for a bucket of
`bucket` points and a query scans a few short, contiguous runs of the coordinate arrays.
"""

from __future__ import annotations

import numpy as np

BUCKET = 16  # points per tree entry: 16x less tree memory; each scan is still one cache line pair


def str_order(lon: np.ndarray, lat: np.ndarray, bucket: int = BUCKET) -> np.ndarray:
    """Sort-Tile-Recursive order: vertical slices by lon, each sorted by lat."""
    n = len(lon)
    slices = max(int(np.ceil(np.sqrt(n / bucket))), 1)
    by_lon = np.argsort(lon, kind="stable")
    slice_of = np.arange(n) // (slices * bucket)
    return by_lon[np.lexsort((lat[by_lon], slice_of))]


def bucket_bounds(
    lon_or_boxes: np.ndarray, lat: np.ndarray | None = None, *, bucket: int = BUCKET
) -> tuple[np.ndarray, np.ndarray]:
    """(mins, maxs) of each run of `bucket` consecutive points (lon, lat) or boxes (n, 4)."""
    points = None if lat is None else np.column_stack([lon_or_boxes, lat])
    boxes = lon_or_boxes if points is None else np.hstack([points, points])
    pad = (-len(boxes)) % bucket
    runs = np.pad(boxes, ((0, pad), (0, 0)), mode="edge").reshape(-1, bucket, 4)
    return runs[:, :, :2].min(axis=1), runs[:, :, 2:].max(axis=1)


def bucket_slots(buckets: np.ndarray, count: int, bucket: int = BUCKET) -> np.ndarray:
    """All slots of the given buckets, below `count`."""
    slots = (buckets[:, None] * bucket + np.arange(bucket)).ravel()
    return slots[slots < count]
