"""Clustered positions and short street-aligned polylines for the benchmark generator."""

from __future__ import annotations

import numpy as np


def make_clusters(rng: np.random.Generator, n: int, half: float, groups: int = 1) -> np.ndarray:
    """(n, 5): x, y, weight, sigma (m), street-grid angle; city sizes follow Zipf's law.

    `groups` > 1 repeats the Zipf sizes once per group of n / groups cities (provinces side by
    side), so a larger country keeps the same city sizes and densities instead of one giant.
    """
    xy = rng.uniform(-0.85 * half, 0.85 * half, (n, 2))
    per_group = n // groups
    zipf = 1.0 / np.arange(1, per_group + 1)
    weight = np.concatenate([rng.permutation(zipf) for _ in range(groups)])
    weight /= weight.sum()
    sigma = 1500.0 + 9000.0 * np.sqrt(weight / weight.max())
    angle = rng.uniform(0, np.pi / 2, n)
    return np.column_stack([xy, weight, sigma, angle])


def scatter(
    rng: np.random.Generator, n: int, clusters: np.ndarray, half: float, p_rural: float
) -> tuple[np.ndarray, np.ndarray]:
    """`n` positions: a dense core and a wider ring per city, plus rural background."""
    cluster = rng.choice(len(clusters), size=n, p=clusters[:, 2])
    spread = clusters[cluster, 3] * np.where(rng.random(n) < 0.5, 0.35, 1.0)
    xy = clusters[cluster, :2] + rng.standard_normal((n, 2)) * spread[:, None]
    rural = rng.random(n) < p_rural
    xy[rural] = rng.uniform(-half, half, (int(rural.sum()), 2))
    cluster[rural] = -1
    np.clip(xy, -half, half, out=xy)
    return xy, cluster


def street_lines(
    rng: np.random.Generator, n: int, clusters: np.ndarray, half: float
) -> tuple[np.ndarray, np.ndarray]:
    """Short street-aligned polylines (2-4 vertices, 40-250 m steps) as offsets + coords."""
    start, cluster = scatter(rng, n, clusters, half, p_rural=0.03)
    grid = np.where(cluster >= 0, clusters[np.maximum(cluster, 0), 4], rng.uniform(0, np.pi, n))
    heading = grid + rng.integers(0, 4, n) * (np.pi / 2)
    n_vertices = rng.integers(2, 5, n)
    offsets = np.concatenate([[0], np.cumsum(n_vertices)]).astype(np.int64)
    line = np.repeat(np.arange(n), n_vertices)
    turn = np.radians(rng.normal(0, 8, len(line)))
    step = rng.uniform(40, 250, len(line))
    step[offsets[:-1]] = 0.0
    h = heading[line] + turn
    moves = np.column_stack([step * np.cos(h), step * np.sin(h)])
    walked = np.cumsum(moves, axis=0)
    walked -= np.repeat(walked[offsets[:-1]], n_vertices, axis=0)
    xy = start[line] + walked
    np.clip(xy, -half, half, out=xy)
    return offsets, xy
