"""Corridor intervals, interval algebra and the greedy cover, checked against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from matching.coverage import CoverOption, capsule_intervals, greedy_cover, merge, subtract


def brute_force_interval(p0, d, a, b, c, samples=20_001):
    t = np.linspace(0, 1, samples)
    points = p0 + t[:, None] * d
    ab = b - a
    denom = ab @ ab
    s = np.clip(((points - a) @ ab) / denom, 0, 1) if denom else np.zeros(samples)
    dist = np.hypot(*(points - (a + s[:, None] * ab)).T)
    inside = t[dist <= c]
    return (inside.min(), inside.max()) if len(inside) else None


def test_capsule_intervals_agree_with_dense_sampling():
    rng = np.random.default_rng(3)
    p0, d = rng.uniform(-100, 100, (300, 2)), rng.uniform(-200, 200, (300, 2))
    a, b = rng.uniform(-100, 100, (300, 2)), rng.uniform(-100, 100, (300, 2))
    b[:20] = a[:20]  # some point-like candidate segments
    lo, hi = capsule_intervals(p0, d, a, b, 30.0)
    for k in range(300):
        expected = brute_force_interval(p0[k], d[k], a[k], b[k], 30.0)
        if expected is None:
            assert lo[k] > hi[k] or hi[k] - lo[k] < 1e-3
        else:
            assert lo[k] == pytest.approx(expected[0], abs=1e-3)
            assert hi[k] == pytest.approx(expected[1], abs=1e-3)


def test_a_zero_length_route_segment_is_inside_or_outside_as_a_whole():
    p0 = np.array([[0.0, 5.0], [0.0, 50.0]])
    lo, hi = capsule_intervals(
        p0, np.zeros((2, 2)), np.array([[-10.0, 0]] * 2), np.array([[10.0, 0]] * 2), 10.0
    )
    assert (lo[0], hi[0]) == (0.0, 1.0)
    assert lo[1] > hi[1]


def test_merge_joins_touching_and_overlapping_intervals():
    assert merge([(5, 6), (0, 1), (1, 2), (1.5, 3)]) == [(0, 3), (5, 6)]


def test_subtract_leaves_the_uncovered_parts():
    assert subtract([(0, 10)], [(2, 3), (5, 12)]) == [(0, 2), (3, 5)]


def test_the_cover_uses_the_fewest_owners_then_the_fewest_assets():
    options = [
        CoverOption(1, owner_id=10, cost_per_m=1.0, intervals=((0, 60),)),
        CoverOption(2, owner_id=10, cost_per_m=1.0, intervals=((50, 100),)),
        CoverOption(3, owner_id=20, cost_per_m=1.0, intervals=((0, 40),)),
        CoverOption(4, owner_id=20, cost_per_m=1.0, intervals=((30, 70),)),
        CoverOption(5, owner_id=20, cost_per_m=1.0, intervals=((60, 100),)),
        CoverOption(6, owner_id=10, cost_per_m=1.0, intervals=((10, 20),)),
    ]
    legs = [(opt.asset_id, s, e) for opt, s, e in greedy_cover(options)]
    assert legs == [(1, 0, 60), (2, 60, 100)]


def test_between_equal_assets_the_cover_picks_the_cheaper():
    options = [
        CoverOption(1, owner_id=10, cost_per_m=4.0, intervals=((0, 100),)),
        CoverOption(2, owner_id=10, cost_per_m=1.0, intervals=((0, 100),)),
    ]
    assert [opt.asset_id for opt, _, _ in greedy_cover(options)] == [2]


def test_the_cover_skips_holes_between_covered_stretches():
    options = [CoverOption(1, 10, 1.0, ((0, 10), (20, 30)))]
    assert [(s, e) for _, s, e in greedy_cover(options)] == [(0, 10), (20, 30)]
