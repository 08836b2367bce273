"""Coverage by linear referencing, interval algebra and the greedy cover."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString

from matching import AssetIndex, MemorySource, RouteRequest, match_route
from matching.coverage import CoverOption, greedy_cover, merge, subtract
from tests.unit.matching.factories import GEOD, make_line, offset

START = (116.40, 39.90)


def at(east_m: float, north_m: float = 0.0) -> tuple[float, float]:
    return offset(*START, east_m, north_m)


def covered(route_xy, line_xy, corridor_m=50.0, owner_id=2):
    """(coverage_m, the line's intervals, its laterals) for one duct along a route."""
    route = LineString([at(*p) for p in route_xy])
    record = make_line(1, [at(*p) for p in line_xy], owner_id=owner_id)
    report = match_route(
        AssetIndex(MemorySource([record])),
        RouteRequest(route=route, corridor_m=corridor_m, needs={"subduct": 1}),
    )
    if not report.candidates:
        return report.coverage_m, (), ()
    (candidate,) = report.candidates
    return report.coverage_m, candidate.intervals, candidate.laterals_m


def test_a_duct_crossing_the_route_at_right_angles_covers_nothing():
    coverage_m, intervals, _ = covered([(0, 0), (2_000, 0)], [(1_000, -300), (1_000, 300)])
    assert coverage_m == 0.0 and intervals == ()


def test_a_duct_running_alongside_covers_exactly_its_stretch_with_a_lateral_at_each_end():
    coverage_m, intervals, laterals = covered([(0, 0), (2_000, 0)], [(500, 10), (1_300, 10)])
    assert coverage_m == pytest.approx(800, abs=0.01)
    assert intervals == ((pytest.approx(500, abs=0.01), pytest.approx(1_300, abs=0.01)),)
    assert laterals == ((pytest.approx(10, abs=0.01), pytest.approx(10, abs=0.01)),)


def test_a_duct_never_covers_more_than_its_own_length():
    short = GEOD.inv(*at(990, 20), *at(1_010, 20))[2]
    coverage_m, _, _ = covered([(0, 0), (2_000, 0)], [(990, 20), (1_010, 20)])
    assert coverage_m == pytest.approx(short, abs=0.01)  # the corridor's round ends add nothing


def test_a_duct_cutting_the_inside_of_a_corner_leaves_the_corner_uncovered():
    coverage_m, intervals, _ = covered(
        [(0, 0), (1_000, 0), (1_000, 1_000)], [(0, 10), (990, 10), (990, 1_000)]
    )
    assert coverage_m == pytest.approx(1_980, abs=0.1)
    assert [round(s) for iv in intervals for s in iv] == [0, 990, 1_010, 2_000]


def test_a_duct_round_the_outside_of_a_corner_covers_both_arms():
    coverage_m, intervals, _ = covered(
        [(0, 0), (1_000, 0), (1_000, 1_000)], [(0, -10), (1_010, -10), (1_010, 1_000)]
    )
    assert coverage_m == pytest.approx(2_000, abs=0.1)
    assert len(intervals) == 1


def test_two_parallel_ducts_over_half_the_route_cover_half_of_it_once():
    route = LineString([at(0), at(2_000)])
    ducts = [
        make_line(1, [at(0, 10), at(1_000, 10)], owner_id=2),
        make_line(2, [at(0, -10), at(1_000, -10)], owner_id=3),
    ]
    report = match_route(
        AssetIndex(MemorySource(ducts)),
        RouteRequest(route=route, corridor_m=50.0, needs={"subduct": 1}),
    )
    assert report.coverage_m == pytest.approx(1_000, abs=0.01)  # merged, not summed to 2 000
    assert report.coverage_ratio == pytest.approx(0.5, abs=1e-4)
    assert report.verdict == "build_new"


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


def _random_options(rng, n: int) -> list[CoverOption]:
    """Options with coarse ends (ties between owners' gains and between reaches), several
    intervals each, and now and then the same stretch under another owner."""
    options = []
    for asset in rng.permutation(n).tolist():
        ends = sorted(rng.uniform(0, 2_000, 2 * int(rng.integers(1, 4))).round(1).tolist())
        intervals = tuple((a, b) for a, b in zip(ends[::2], ends[1::2], strict=True) if b > a)
        if intervals:
            owner, cost = int(rng.integers(1, 6)), float(rng.choice([0.5, 1.0, 4.0]))
            options.append(CoverOption(asset, owner, cost, intervals))
    if options and rng.random() < 0.3:
        twin = options[0]
        options.append(CoverOption(n + 1, twin.owner_id + 1, twin.cost_per_m, twin.intervals))
    return options


def test_the_compiled_cover_equals_the_python_reference():
    from matching.coverage import greedy_cover_reference

    rng = np.random.default_rng(11)
    for _ in range(400):
        options = _random_options(rng, int(rng.integers(1, 30)))
        mine = [(opt.asset_id, s, e) for opt, s, e in greedy_cover(options)]
        theirs = [(opt.asset_id, s, e) for opt, s, e in greedy_cover_reference(options)]
        assert mine == theirs


def test_the_compiled_rounding_of_reaches_is_pythons_or_says_it_is_unsure():
    from matching.kernels_route_cover import _round6

    rng = np.random.default_rng(12)
    plain = rng.uniform(0, 20_000, 2_000).tolist()
    near_ties = ((rng.integers(0, 10**10, 2_000) + 0.5) / 1e6).tolist()  # x·10⁶ next to k + ½
    unsure = {"plain": 0, "near_ties": 0}
    for name, values in (("plain", plain), ("near_ties", [*near_ties, 0.0, 1e-6, 0.5e-6])):
        for x in values:
            found, sure = _round6(x)
            unsure[name] += not sure
            if sure:
                assert found == round(x, 6)
    assert unsure["plain"] < 20 and unsure["near_ties"] > 1_000  # it defers next to ties only


def test_where_the_compiled_cover_is_unsure_the_reference_answers(monkeypatch):
    from matching import coverage, kernels_route_cover

    options = _random_options(np.random.default_rng(13), 12)
    expected = [(opt.asset_id, s, e) for opt, s, e in coverage.greedy_cover_reference(options)]
    monkeypatch.setattr(
        kernels_route_cover, "greedy_cover", lambda *args: (np.empty((0, 3)), False)
    )
    assert [(opt.asset_id, s, e) for opt, s, e in greedy_cover(options)] == expected
    assert expected  # the fallback had legs to give
