"""An irregular, slightly rotated street grid: denser blocks downtown, arterials every few lines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARTERIAL_EVERY = 5
MARGIN_M = 60.0


@dataclass(frozen=True)
class Streets:
    """Street segments between intersections, in local metres."""

    nodes: np.ndarray  # (n, 2) intersection coordinates
    edges: np.ndarray  # (m, 2) node indices of each segment
    arterial: np.ndarray  # (m,) bool
    geoms: list[np.ndarray]  # per segment: (2 or 3, 2) polyline from edges[i, 0] to edges[i, 1]
    lengths: np.ndarray  # (m,) metres

    def midpoints(self) -> np.ndarray:
        """(m, 2) midpoint of each segment's end nodes."""
        return self.nodes[self.edges].mean(axis=1)


def _axis(rng: np.random.Generator, half: float) -> np.ndarray:
    """Street-line offsets: ~170 m apart downtown widening to ~500 m at the edge."""
    out = [0.0]
    for sign in (1.0, -1.0):
        p = 0.0
        while p < 1.5 * half:
            p += (170.0 + 330.0 * min(1.0, p / half)) * rng.uniform(0.75, 1.3)
            out.append(sign * p)
    return np.sort(np.array(out))


def _grid_nodes(rng: np.random.Generator, half: float):
    u, v = _axis(rng, half), _axis(rng, half)
    uu, vv = np.meshgrid(u, v, indexing="ij")
    theta = np.radians(rng.uniform(8.0, 16.0))
    x = uu * np.cos(theta) - vv * np.sin(theta) + rng.normal(0, 15, uu.shape)
    y = uu * np.sin(theta) + vv * np.cos(theta) + rng.normal(0, 15, uu.shape)
    inside = (np.abs(x) <= half - MARGIN_M) & (np.abs(y) <= half - MARGIN_M)
    ids = np.full(uu.shape, -1)
    ids[inside] = np.arange(inside.sum())
    major_u = (np.arange(len(u)) - np.argmin(np.abs(u))) % ARTERIAL_EVERY == 0
    major_v = (np.arange(len(v)) - np.argmin(np.abs(v))) % ARTERIAL_EVERY == 0
    return np.column_stack([x[inside], y[inside]]), ids, major_u, major_v


def _grid_edges(ids: np.ndarray, major_u: np.ndarray, major_v: np.ndarray):
    """Segments along v-lines (i to i+1) and along u-lines (j to j+1)."""
    a1, b1 = ids[:-1, :], ids[1:, :]
    art1 = np.broadcast_to(major_v[None, :], a1.shape)
    a2, b2 = ids[:, :-1], ids[:, 1:]
    art2 = np.broadcast_to(major_u[:, None], a2.shape)
    a = np.concatenate([a1.ravel(), a2.ravel()])
    b = np.concatenate([b1.ravel(), b2.ravel()])
    art = np.concatenate([art1.ravel(), art2.ravel()])
    ok = (a >= 0) & (b >= 0)
    return np.column_stack([a[ok], b[ok]]), art[ok]


def _bend(rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A straight segment, or (one in four) one with a gentle kink in the middle."""
    if rng.random() >= 0.25:
        return np.vstack([a, b])
    d = b - a
    normal = np.array([-d[1], d[0]]) / max(np.hypot(*d), 1e-9)
    mid = (a + b) / 2 + normal * rng.normal(0, 0.04) * np.hypot(*d)
    return np.vstack([a, mid, b])


def build_streets(rng: np.random.Generator, half: float) -> Streets:
    """Generate the street network of a square city of half-side `half` metres."""
    nodes, ids, major_u, major_v = _grid_nodes(rng, half)
    edges, arterial = _grid_edges(ids, major_u, major_v)
    r = np.hypot(*nodes[edges].mean(axis=1).T) / half
    keep = arterial | (rng.random(len(edges)) < 0.93 - 0.2 * np.minimum(r, 1.0))
    edges, arterial = edges[keep], arterial[keep]
    lim = half - MARGIN_M / 2
    geoms = [np.clip(_bend(rng, nodes[i], nodes[j]), -lim, lim) for i, j in edges]
    lengths = np.array([np.hypot(*np.diff(g, axis=0).T).sum() for g in geoms])
    return Streets(nodes, edges, np.asarray(arterial, dtype=bool), geoms, lengths)
