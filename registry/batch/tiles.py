"""Spatial partitions of an audit: square lon/lat tiles, each read with a halo of the radius."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching import geo


@dataclass(frozen=True)
class Tile:
    """Plans whose point lies in [x0, x0 + size) x [y0, y0 + size) degrees."""

    key: tuple[int, int]
    size: float
    plans: np.ndarray  # row numbers into the audit's plan arrays

    @property
    def box(self) -> tuple[float, float, float, float]:
        x0, y0 = self.key[0] * self.size, self.key[1] * self.size
        return x0, y0, x0 + self.size, y0 + self.size

    def halo_boxes(self, radius_m: float) -> np.ndarray:
        """Boxes around the tile grown by `radius_m` (soundly, split at the antimeridian):
        every asset within `radius_m` of a plan in the tile lies inside one of them."""
        x0, y0, x1, y1 = self.box
        boxes, _ = geo.expand_boxes(
            np.array([x0]), np.array([x1]), np.array([y0]), np.array([y1]), float(radius_m)
        )
        return boxes


def partition(lon: np.ndarray, lat: np.ndarray, size_deg: float) -> list[Tile]:
    """The non-empty tiles of `size_deg` degrees holding the plans (lon, lat)."""
    kx = np.floor(np.asarray(lon) / size_deg).astype(np.int64)
    ky = np.floor(np.asarray(lat) / size_deg).astype(np.int64)
    keys = np.stack([kx, ky], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(unique) + 1))
    return [
        Tile((int(x), int(y)), size_deg, order[bounds[k] : bounds[k + 1]])
        for k, (x, y) in enumerate(unique.tolist())
    ]


def auto_size(lon: np.ndarray, lat: np.ndarray, workers: int, per_tile: int = 20_000) -> float:
    """A tile size (degrees, a power of two) giving about one tile per `per_tile` plans,
    and at least four per worker so that the workers stay busy to the end."""
    if not len(lon):
        return 1.0
    extent = max(float(np.ptp(lon)), float(np.ptp(lat)), 1e-3)
    wanted = min(max(len(lon) / per_tile, 4 * workers), 4096)
    return float(2.0 ** np.ceil(np.log2(extent / np.sqrt(wanted))))
