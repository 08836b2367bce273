"""Batch route matching gives, for every route, the report of matching it alone."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from shapely.geometry import LineString

from bench import workload
from matching import (
    AssetIndex,
    InvalidRequest,
    MemorySource,
    RouteRequest,
    batch_route,
    match_route,
)
from matching.batch_route import match_routes
from tests.batch_helpers import along_existing_lines, generated, loaded_index
from tests.unit.matching import golden_routes
from tests.unit.matching.factories import make_line, offset


@pytest.fixture(scope="module")
def registry():
    # Dense enough in lines that most routes find candidates and some reach a cover.
    dataset = generated(10_000, 6_000, seed=7, extent_km=25.0)
    return dataset, *loaded_index(dataset)


def requests(dataset, n: int, seed: int) -> list[RouteRequest]:
    """n routes cycling through the golden route variants: street-following 10 km routes,
    and every third one along an existing line (so that some can share)."""
    rng = np.random.default_rng(seed)
    lines = along_existing_lines(dataset, workload.route_lines(dataset, n, rng), rng, LineString)
    for k in range(1, n, 6):  # 2 km segments: search boxes cut into pieces (path.PIECE_M)
        lines[k] = LineString(lines[k].coords[::4])
    variants = golden_routes.VARIANTS
    return [RouteRequest(line, **variants[k % len(variants)]) for k, line in enumerate(lines)]


def dumped(report) -> str:
    return json.dumps(report.to_dict(), sort_keys=True)


def assert_batch_equals_one_by_one(index, batch, wanted: list[RouteRequest]) -> None:
    reports = [match_route(index, r) for r in wanted]
    assert batch.seq == reports[0].registry_seq if reports else True
    assert [dumped(batch.report(q)) for q in range(len(batch))] == [dumped(r) for r in reports]
    assert batch.verdict.tolist() == [r.verdict for r in reports]
    assert batch.coverage_m.tolist() == [r.coverage_m for r in reports]
    assert batch.coverage_ratio.tolist() == [r.coverage_ratio for r in reports]
    assert batch.route_length_m.tolist() == [r.route_length_m for r in reports]
    assert batch.lateral_m.tolist() == [r.lateral_m for r in reports]
    assert batch.new_trench_m.tolist() == [r.new_trench_m for r in reports]
    assert batch.estimated_saving.tolist() == [r.estimated_saving for r in reports]
    best = [r.candidates[0].asset_id if r.candidates else -1 for r in reports]
    assert batch.best_asset_id.tolist() == best
    ranked = [[c.asset_id for c in r.candidates] for r in reports]
    assert [[c.asset_id for c in batch.ranked(q)[:3]] for q in range(len(batch))] == [
        ids[:3] for ids in ranked
    ]


def test_per_route_requests_give_the_one_by_one_reports(registry):
    dataset, _, index = registry
    wanted = requests(dataset, 300, seed=3)
    batch = match_routes(index, None, wanted)
    assert_batch_equals_one_by_one(index, batch, wanted)
    # The registry is meant to exercise every part of the report, not only "build new".
    assert batch.candidate_count.sum() > 0 and (batch.lateral_m > 0).any()
    assert len(set(batch.verdict.tolist())) > 1


def test_a_template_moved_onto_each_route_gives_the_one_by_one_reports(registry):
    dataset, _, index = registry
    template = requests(dataset, 1, seed=4)[0]
    lines = workload.route_lines(dataset, 60, np.random.default_rng(5))
    batch = match_routes(index, lines, template)
    wanted = [dataclasses.replace(template, route=line) for line in lines]
    assert_batch_equals_one_by_one(index, batch, wanted)
    # (k, 2) coordinate arrays are routes too.
    coords = [np.asarray(line.coords) for line in lines[:5]]
    assert match_routes(index, coords, template).coverage_m.tolist() == [
        match_route(index, r).coverage_m for r in wanted[:5]
    ]


def test_batch_reports_equal_one_by_one_after_caught_up_writes(registry):
    dataset, source, index = registry
    rng = np.random.default_rng(41)
    wanted = requests(dataset, 120, seed=6)
    workload.apply_changes(source, 1_500, rng)  # moved and new lines land in the delta table
    batch = match_routes(index, None, wanted)
    assert index.stats()["delta_lines"] > 0
    assert batch.seq == source.current_seq()
    assert_batch_equals_one_by_one(index, batch, wanted)


def test_an_empty_batch_has_empty_columns(registry):
    _, _, index = registry
    batch = match_routes(index, [], requests(registry[0], 1, seed=8)[0])
    assert len(batch) == 0
    assert batch.verdict.shape == batch.coverage_m.shape == batch.best_asset_id.shape == (0,)
    assert match_routes(index, None, []).seq == index.seq


def test_routes_far_from_every_line_are_build_new_without_candidates(registry):
    dataset, _, index = registry
    template = requests(dataset, 1, seed=9)[0]
    far = [[(10.0 + k, -40.0), (10.0 + k, -39.99)] for k in range(3)]
    batch = match_routes(index, far, template)
    assert batch.verdict.tolist() == ["build_new"] * 3
    assert batch.best_asset_id.tolist() == [-1] * 3
    assert batch.candidate_count.tolist() == [0] * 3
    assert_batch_equals_one_by_one(
        index,
        batch,
        [dataclasses.replace(template, route=batch.requests[q].route) for q in (0, 1, 2)],
    )


def test_routes_across_the_antimeridian_match_like_single_queries():
    start = offset(179.999, 0.0, -300.0, 10.0)
    records = [
        make_line(k, [offset(*start, 100.0 * k, 0.0), offset(*start, 100.0 * k + 150.0, 0.0)])
        for k in range(1, 7)
    ]
    index = AssetIndex(MemorySource(records))
    routes = [
        LineString([start, offset(*start, 600.0, 0.0)]),
        LineString([offset(*start, 50.0, -5.0), offset(*start, 400.0, 5.0)]),
    ]
    assert routes[0].coords[0][0] > 179.0 > -179.0 > routes[0].coords[1][0]
    template = RouteRequest(routes[0], corridor_m=30.0, needs={"subduct": 1})
    batch = match_routes(index, routes, template)
    assert batch.candidate_count.min() > 0
    wanted = [dataclasses.replace(template, route=line) for line in routes]
    assert_batch_equals_one_by_one(index, batch, wanted)


@pytest.mark.parametrize(
    ("routes", "request_", "field"),
    [
        ([[(200.0, 0.0), (200.1, 0.0)]], "template", "routes"),
        ([[(0.0, 0.0)]], "template", "routes"),
        ([[(0.0, 0.0), (0.0, 0.0)]], "template", "routes"),
        ("not routes", "template", "routes"),
        (5, "template", "routes"),
        ([{"a": 1}], "template", "routes"),
        (None, "template", "routes"),
        (None, ["not a request"], "request"),
        (None, "a string", "request"),
        ([[(0.0, 0.0), (0.1, 0.0)]], [], "routes"),
    ],
)
def test_bad_input_is_rejected_naming_the_field(registry, routes, request_, field):
    _, _, index = registry
    template = requests(registry[0], 1, seed=10)[0]
    with pytest.raises(InvalidRequest) as raised:
        match_routes(index, routes, template if request_ == "template" else request_)
    assert raised.value.field == field


def test_batches_cut_into_many_chunks_give_the_same_reports(registry, monkeypatch):
    dataset, _, index = registry
    wanted = requests(dataset, 40, seed=11)
    monkeypatch.setattr(batch_route, "CHUNK", 3)
    batch = match_routes(index, None, wanted)
    assert len(batch._chunks) > len(golden_routes.VARIANTS)
    assert_batch_equals_one_by_one(index, batch, wanted)


@pytest.mark.parametrize(
    ("covered", "distance", "wanted"),
    [
        ([10.004, 10.001, 3.0], [5.0, 2.0, 0.0], 2),  # equal to the centimetre: the nearer
        ([10.004, 10.006, 3.0], [5.0, 9.0, 0.0], 2),  # 10.01 beats 10.00, however far
        ([0.0, 0.0, 0.0], [2.004, 2.001, 2.009], 1),  # nothing covers: nearest, then lowest id
        ([0.0, 0.0, 0.0], [2.004, 2.006, 1.0], 3),
    ],
)
def test_the_best_line_is_the_first_the_report_ranks(covered, distance, wanted):
    from matching.batch_route_rows import Line, best, rank_key

    lines = [
        Line(k + 1, 1, "duct", "telecom", d, ((0.0, c),) if c else ())
        for k, (c, d) in enumerate(zip(covered, distance, strict=True))
    ]
    assert best(lines, np.array(distance)) == wanted == min(lines, key=rank_key).asset_id
