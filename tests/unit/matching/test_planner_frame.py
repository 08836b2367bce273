"""The planner's metric (`planner.frame`): ECEF chords bound geodesic lengths from below and,
within the slack it states, from above, anywhere on the globe; the plane never stretches; the
compiled snap and trench-pair helpers equal brute force (the all-SURE pairs, the general
choice); `framed` is the ECEF, extent and plane of its parts."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from matching.planner import frame, grid

GEOD = Geod(ellps="WGS84")


def _pairs(rng, lon, lat, spread_m, n=400):
    az = rng.uniform(0, 360, n)
    dist = rng.uniform(0, spread_m, n)
    lon2, lat2, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, dist)
    return np.column_stack([np.full(n, lon), np.full(n, lat)]), np.column_stack([lon2, lat2])


@pytest.mark.parametrize(
    "lon, lat", [(108.3, 22.8), (179.999, -40.0), (-179.999, 0.0), (12.0, 89.9), (0.0, -89.99)]
)
@pytest.mark.parametrize("spread_m", [300.0, 20_000.0, 600_000.0])
def test_chords_bound_the_geodesic_within_the_stated_slack(lon, lat, spread_m):
    a, b = _pairs(np.random.default_rng(int(spread_m) + int(lat)), lon, lat, spread_m)
    xyz_a, xyz_b = frame.ecef(a), frame.ecef(b)
    slack = frame.slack(np.concatenate([xyz_a, xyz_b]))
    assert slack < 1e-2
    chord = np.linalg.norm(xyz_a - xyz_b, axis=1)
    geodesic = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]
    assert np.all(chord <= geodesic + 1e-6)
    assert np.all(geodesic <= chord * (1 + slack) + 1e-6)
    flat = frame.plane(np.concatenate([xyz_a, xyz_b]))
    on_plane = np.linalg.norm(flat[: len(a)] - flat[len(a) :], axis=1)
    assert np.all(on_plane <= chord + 1e-6)


def test_points_half_a_world_apart_get_no_bound():
    xyz = frame.ecef(np.array([[0.0, 0.0], [90.0, 0.0]]))
    assert frame.slack(xyz) == np.inf


@pytest.mark.parametrize("width_deg", [2e-4, 2e-7])  # a ~20 m square, or a street along a meridian
def test_close_pairs_and_clusters_match_brute_force(width_deg):
    rng = np.random.default_rng(11)
    lonlat = 108.3 + rng.uniform(0, 1, (300, 2)) * [width_deg, 2e-4]  # many pairs within 2 m
    xyz = frame.ecef(lonlat)
    pairs, lengths = grid.close_pairs(xyz, frame.plane(xyz), 2.0)
    d = np.linalg.norm(xyz[:, None] - xyz[None], axis=2)
    i, j = np.nonzero(np.triu(d <= 2.0, 1))
    assert sorted(map(tuple, pairs.tolist())) == sorted(zip(i.tolist(), j.tolist(), strict=True))
    assert np.allclose(lengths, d[pairs[:, 0], pairs[:, 1]])
    label = grid.clusters(len(lonlat), pairs)
    parent = list(range(len(lonlat)))  # naive: merge until nothing changes
    changed = True
    while changed:
        changed = False
        for a, b in pairs.tolist():
            low = min(parent[a], parent[b])
            if parent[a] != low or parent[b] != low:
                parent[a] = parent[b] = low
                changed = True
    firsts = sorted(set(parent))
    assert label.tolist() == [firsts.index(p) for p in parent]


def test_distinct_pairs_keep_the_first_exact_entry_of_each_pair_in_pair_order():
    from matching.planner.pairs import distinct

    rng = np.random.default_rng(5)
    n = 30
    a, b = rng.integers(0, n, 500), rng.integers(0, n, 500)
    keep = a != b
    lo, hi = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    exact = rng.random(len(lo)) < 0.5
    got = distinct(lo, hi, exact, n)
    expected = {}  # brute force: walk the entries in order
    for e in range(len(lo)):
        pair = (int(lo[e]), int(hi[e]))
        if pair not in expected or (exact[e] and not exact[expected[pair]]):
            expected[pair] = e
    assert got.tolist() == [expected[p] for p in sorted(expected)]


@pytest.mark.parametrize("k", [1, 3, 8])
def test_sure_pairs_equal_the_general_choice_when_every_candidate_is_sure(k):
    from matching.planner import pairs, trench

    rng = np.random.default_rng(k)
    lonlat = 108.3 + rng.uniform(0, 1, (400, 2)) * [0.02, 0.015]  # ~2 x 1.7 km
    lonlat[:2, 1] += 0.05  # `from` and `to` north of the asset nodes' grid
    xyz = frame.ecef(lonlat)
    slack = frame.slack(xyz)
    start, target, metric, status = trench.candidates(
        xyz, frame.plane(xyz), k, 2 * k, 250.0, 253.5, slack
    )
    assert not (status == grid.UNSURE).any()  # random lengths: no interval straddles
    assert start[2] == 0  # the ends lie ~4 km away: no candidate for them
    straight = 7000.0
    lo, hi, length, exact = trench.chosen_pairs(
        start, target, metric, status, np.full(len(target), np.inf), k, 2 * k, slack, straight
    )
    got = pairs.sure_pairs(start, target, metric, slack, straight)
    assert [a.tolist() for a in got] == [lo.tolist(), hi.tolist(), length.tolist()]
    assert exact.tolist() == [True] + [False] * (len(lo) - 1)


def test_framed_gives_the_ecef_extent_and_a_plane_that_never_stretches():
    rng = np.random.default_rng(3)
    ends = 108.3 + rng.uniform(0, 0.05, (2, 2))
    vertices = frame.ecef(108.3 + rng.uniform(0, 0.05, (300, 2)))
    xyz, extent, plane = frame.framed(ends, vertices)
    assert np.array_equal(xyz, np.concatenate([frame.ecef(ends), vertices]))
    assert frame.slack_of(extent) == frame.slack(xyz)
    i, j = rng.integers(0, len(xyz), (2, 2000))
    chord = np.linalg.norm(xyz[i] - xyz[j], axis=1)
    assert np.all(np.linalg.norm(plane[i] - plane[j], axis=1) <= chord + 1e-6)
