"""The route planner: reuse legs, laterals, exclusions, alternatives and the baseline."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely.affinity
from shapely.geometry import Point

from matching import AssetIndex, Capacity, InvalidRequest, MemorySource
from matching.planner import Constraints, PlanRequest, plan_route
from tests.unit.matching.factories import make_line, offset, random_lines

ORIGIN = (108.30, 22.80)


def at(east_m: float, north_m: float = 0.0) -> tuple[float, float]:
    return offset(*ORIGIN, east_m, north_m)


def plan(records, east_to=2_000.0, **request):
    request.setdefault("needs", {"subduct": 1})
    req = PlanRequest(start=Point(at(0)), end=Point(at(east_to)), **request)
    return plan_route(AssetIndex(MemorySource(records)), req)


def duct(asset_id, east_from, east_to, north=10.0, owner_id=2, **kwargs):
    return make_line(asset_id, [at(east_from, north), at(east_to, north)], owner_id=owner_id,
                     **kwargs)  # fmt: skip


def test_with_nothing_to_reuse_the_plan_is_the_straight_new_trench():
    report = plan([]).to_dict()
    (leg,) = report["legs"]
    assert leg["type"] == "new_trench"
    assert leg["length_m"] == pytest.approx(2_000, abs=0.01)
    assert report["total"]["cost"] == report["baseline"]["cost"] == pytest.approx(240_000)
    assert report["saving"] == 0


def test_a_duct_along_the_way_is_reused_and_joined_by_laterals():
    report = plan([duct(1, 0, 2_000)]).to_dict()
    assert [leg["type"] for leg in report["legs"]] == ["lateral", "reuse", "lateral"]
    assert report["total"]["reuse_m"] == pytest.approx(2_000, abs=0.01)
    assert report["total"]["new_trench_m"] == pytest.approx(20, abs=0.01)  # laterals count
    # 2 000 m of duct at 4 + 20 m of trench at 120, against 2 000 m of trench at 120.
    assert report["total"]["cost"] == pytest.approx(2_000 * 4 + 20 * 120, abs=0.05)
    assert report["saving"] == pytest.approx(240_000 - 10_400, abs=0.05)


def test_parallel_ducts_of_two_owners_stay_distinct_and_an_excluded_owner_is_avoided():
    records = [duct(1, 0, 2_000, owner_id=2), duct(2, 0, 2_000, north=-10, owner_id=3)]
    chosen = {leg.get("owner_id") for leg in plan(records).to_dict()["legs"]} - {None}
    assert len(chosen) == 1
    other = plan(records, constraints=Constraints(exclude_owner_ids=frozenset(chosen)))
    assert {leg.get("owner_id") for leg in other.to_dict()["legs"]} - {None} == {2, 3} - chosen


@pytest.mark.parametrize(
    "unusable",
    [
        {"status": "planned"},
        {"capacity": {"subduct": Capacity(4, 0)}},
    ],
    ids=["not-in-service", "no-free-subduct"],
)
def test_assets_that_cannot_carry_the_need_never_appear(unusable):
    report = plan([duct(1, 0, 2_000, **unusable)]).to_dict()
    assert [leg["type"] for leg in report["legs"]] == ["new_trench"]


def test_an_excluded_asset_never_appears():
    records = [duct(1, 0, 2_000)]
    report = plan(records, constraints=Constraints(exclude_asset_ids=frozenset({1})))
    assert [leg["type"] for leg in report.to_dict()["legs"]] == ["new_trench"]


def test_alternatives_reuse_different_assets():
    records = [duct(1, 0, 2_000, owner_id=2), duct(2, 0, 2_000, north=-10, owner_id=3)]
    report = plan(records, alternatives=2).to_dict()
    used = [
        frozenset(leg["asset_id"] for leg in option["legs"] if leg["type"] == "reuse")
        for option in [report, *report["alternatives"]]
    ]
    assert len(used) == len(set(used)) >= 2
    assert all(
        option["total"]["cost"] >= report["total"]["cost"] for option in report["alternatives"]
    )


def test_a_far_asset_outside_the_detour_ellipse_is_not_used():
    far = make_line(1, [at(0, 1_500), at(2_000, 1_500)])
    report = plan([far], max_detour=1.2).to_dict()
    assert [leg["type"] for leg in report["legs"]] == ["new_trench"]


@pytest.mark.parametrize(
    ("field", "request_fields"),
    [
        ("max_detour", {"max_detour": 0.5}),
        ("alternatives", {"alternatives": 9}),
        ("needs", {"needs": {"antenna_mount": 1}}),
        ("needs", {"needs": {"subduct": 1, "fiber_core": 2}}),
    ],
)
def test_bad_requests_name_the_field(field, request_fields):
    with pytest.raises(InvalidRequest) as caught:
        plan([], **request_fields)
    assert caught.value.field == field


def test_after_writes_are_caught_up_plans_equal_those_of_a_freshly_built_index():
    rng = np.random.default_rng(11)
    source = MemorySource(random_lines(rng, ORIGIN, 120, 500.0))
    index = AssetIndex(source)
    requests = [
        PlanRequest(start=Point(at(*rng.normal(0, 300, 2))), end=Point(at(*rng.normal(0, 300, 2))),
                    needs={need: 1}, alternatives=2)
        for need in ("subduct", "fiber_core", "attachment") for _ in range(4)
    ]  # fmt: skip
    before = [plan_route(index, r).to_dict() for r in requests]
    records = source.records()
    for record in records[:40:4]:  # moved: a delta row, its old slot tombstoned
        moved = shapely.affinity.translate(record.geometry, xoff=0.0004, yoff=-0.0003)
        source.put(dataclasses.replace(record, geometry=moved))
    for record in records[1:40:4]:  # full: no longer eligible
        full = {resource: Capacity(c.total, 0) for resource, c in record.capacity.items()}
        source.put(dataclasses.replace(record, capacity=full))
    for record in records[2:40:4]:
        source.delete(record.id)
    source.put_many(random_lines(rng, ORIGIN, 30, 500.0, first_id=900_000))
    after = [plan_route(index, r).to_dict() for r in requests]  # each plan catches up first
    assert index.stats()["delta_lines"] > 0
    fresh = AssetIndex(source)
    assert after == [plan_route(fresh, r).to_dict() for r in requests]
    assert after != before
    assert any(leg["type"] == "reuse" for report in after for leg in report["legs"])
