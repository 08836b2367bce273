"""The planner's neighbour choice (`planner.nearest`): the k nearest by geodesic length, ties
by id, whether the compiled grid or the KD-tree finds the candidates, with lower bounds only
where the metric frame decided alone."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from matching import geo
from matching.planner.nearest import nearest
from tests.unit.matching.factories import offset

GEOD = Geod(ellps="WGS84")


def _lattice(rng, n: int, step_m: float, jitter_m: float) -> np.ndarray:
    """Points on a square lattice around (108.3, 22.8): many exactly tied metric distances."""
    side = int(np.ceil(np.sqrt(n)))
    cells = rng.permutation(side * side)[:n]
    return np.array([
        offset(108.3, 22.8, (c % side) * step_m + rng.normal(0, jitter_m),
               (c // side) * step_m + rng.normal(0, jitter_m))
        for c in cells.tolist()
    ])  # fmt: skip


def _expected(points: np.ndarray, k: int, radius: float) -> dict[int, set[int]]:
    """Brute force: every pair measured with Geod.inv, ranked by (length, id)."""
    out = {}
    for i, (lon, lat) in enumerate(points.tolist()):
        d = GEOD.inv(np.full(len(points), lon), np.full(len(points), lat),
                     points[:, 0], points[:, 1])[2]  # fmt: skip
        ranked = sorted((float(d[j]), j) for j in range(len(points)) if j != i and d[j] <= radius)
        out[i] = {j for _, j in ranked[:k]}
    return out


def _chosen(points: np.ndarray, k: int, radius: float):
    frame = geo.local_frame(*points.mean(axis=0))
    xy = np.column_stack(frame.to_metric(points[:, 0], points[:, 1]))
    slack = (np.abs(xy[:, 0]).max() / 6.3e6) ** 2 + 1e-6  # as graph._frame_error
    pairs, lengths, exact = nearest(points, xy, (points, xy), np.arange(len(points)), k,
                                    radius, True, slack)  # fmt: skip
    got: dict[int, set[int]] = {i: set() for i in range(len(points))}
    for (i, j), length, is_exact in zip(pairs.tolist(), lengths, exact, strict=True):
        got[i].add(j)
        true = GEOD.inv(*points[i], *points[j])[2]
        if is_exact:
            assert length == pytest.approx(true, abs=1e-9)
        else:  # a lower bound within the frame's error
            assert true - (slack * true + 2e-3) <= length <= true
    return got, exact


@pytest.mark.parametrize("jitter_m", [0.0, 0.0005, 3.0])
@pytest.mark.parametrize("step_m", [40.0, 9.0])  # a few candidates per point, or ~300
def test_each_point_joins_its_k_geodesically_nearest_with_ties_by_id(jitter_m, step_m):
    rng = np.random.default_rng(int(jitter_m * 1000 + step_m))
    points = _lattice(rng, 150, step_m, jitter_m)
    got, exact = _chosen(points, 5, 90.0)
    assert got == _expected(points, 5, 90.0)
    if jitter_m >= 1.0:  # without ties the frame decides most choices alone
        assert not exact.all()


def test_where_the_frame_is_not_trusted_every_candidate_is_measured():
    points = _lattice(np.random.default_rng(3), 60, 40.0, 0.0)
    frame = geo.local_frame(*points.mean(axis=0))
    xy = np.column_stack(frame.to_metric(points[:, 0], points[:, 1]))
    pairs, _, exact = nearest(points, xy, (points, xy), np.arange(60), 4, 90.0, True, np.inf)
    assert exact.all()
    got = {i: {j for a, j in pairs.tolist() if a == i} for i in range(60)}
    assert got == _expected(points, 4, 90.0)


def test_targets_spread_over_hundreds_of_kilometres_still_find_their_neighbours():
    rng = np.random.default_rng(5)
    near = _lattice(rng, 80, 40.0, 3.0)
    far = np.array([offset(108.3, 22.8, e, n) for e, n in rng.uniform(-250e3, 250e3, (40, 2))])
    points = np.concatenate([near, far])  # a wide grid: cells larger than the radius
    got, _ = _chosen(points, 5, 90.0)
    assert got == _expected(points, 5, 90.0)


@pytest.mark.parametrize("jitter_m", [0.0, 0.0005, 3.0])
@pytest.mark.parametrize("step_m", [40.0, 9.0])
def test_the_graphs_trench_pairs_are_each_nodes_k_nearest_and_the_ends_k_end_nearest(
    jitter_m, step_m
):
    """`graph._trench_pairs` (one grid for every node, `planner.trench`) against brute force:
    asset nodes (from 2) to their k nearest other asset nodes, the two ends (0, 1) to their
    k_end nearest asset nodes, plus (0, 1); each pair once, sorted; lengths exact or lower
    bounds within the frame's error."""
    from matching.planner import PlanSettings, frame
    from matching.planner.graph import _trench_pairs

    rng = np.random.default_rng(int(jitter_m * 1000 + step_m) + 7)
    assets = _lattice(rng, 150, step_m, jitter_m)
    ends = np.array([assets[3] + [1e-5, 0.0], offset(108.3, 22.8, 70.0, 50.0)])
    nodes = np.concatenate([ends, assets])
    xyz = frame.ecef(nodes)
    settings = PlanSettings(trench_radius_m=90.0, trench_neighbours=5, end_neighbours=7)
    lo, hi, lengths, exact = _trench_pairs(nodes, xyz, settings, frame.slack(xyz))
    near = _expected(assets, 5, 90.0)
    expected = {(2 + min(i, j), 2 + max(i, j)) for i, js in near.items() for j in js}
    for end in (0, 1):
        d = GEOD.inv(np.full(len(assets), nodes[end, 0]), np.full(len(assets), nodes[end, 1]),
                     assets[:, 0], assets[:, 1])[2]  # fmt: skip
        ranked = sorted((float(d[j]), j) for j in range(len(assets)) if d[j] <= 90.0)
        expected |= {(end, 2 + j) for _, j in ranked[:7]}
    expected.add((0, 1))
    assert list(zip(lo.tolist(), hi.tolist(), strict=True)) == sorted(expected)
    true = GEOD.inv(nodes[lo, 0], nodes[lo, 1], nodes[hi, 0], nodes[hi, 1])[2]
    assert np.allclose(lengths[exact], true[exact], rtol=0, atol=1e-9)
    assert np.all(lengths[~exact] <= true[~exact])
    assert np.all(lengths[~exact] >= true[~exact] * (1 - 1e-6) - 2e-3)
