"""Batch site matching gives, for every point, the report of matching it alone."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from shapely.geometry import Point

from bench import workload
from matching import AssetIndex, InvalidRequest, MemorySource, match_site
from matching.batch import match_sites
from tests.batch_helpers import generated, loaded_index
from tests.unit.matching import golden_sites
from tests.unit.matching.factories import make_point, offset


@pytest.fixture(scope="module")
def registry():
    dataset = generated(20_000, 1_000, seed=5, extent_km=40.0)
    return dataset, *loaded_index(dataset)


def one_by_one(index, points, template) -> list[str]:
    return [
        json.dumps(
            match_site(index, dataclasses.replace(template, location=Point(*p))).to_dict(),
            sort_keys=True,
        )
        for p in points.tolist()
    ]


def batch_reports(index, points, template) -> list[str]:
    batch = match_sites(index, points, template)
    return [json.dumps(batch.report(q).to_dict(), sort_keys=True) for q in range(len(batch))]


@pytest.mark.parametrize("variant", range(len(golden_sites.VARIANTS)))
def test_batch_reports_equal_one_by_one_reports(registry, variant):
    dataset, _, index = registry
    points = workload.site_locations(dataset, 150, np.random.default_rng(variant))
    template = golden_sites.template(variant)
    assert batch_reports(index, points, template) == one_by_one(index, points, template)


def test_batch_reports_equal_one_by_one_after_caught_up_writes(registry):
    dataset, source, index = registry
    rng = np.random.default_rng(40)
    points = workload.site_locations(dataset, 200, rng)
    workload.apply_changes(source, 1_500, rng)  # moves and inserts land in the delta table
    template = golden_sites.template(0)
    found = batch_reports(index, points, template)
    assert index.stats()["delta_points"] > 0
    assert found == one_by_one(index, points, template)


def test_points_across_the_antimeridian_match_like_single_queries():
    records = [make_point(i, *offset(179.9999, 0.0, 40.0 * (i - 5), 0.0)) for i in range(10)]
    index = AssetIndex(MemorySource(records))
    points = np.array([[179.9999, 0.0], [-179.9999, 0.0], [180.0, 0.0]])
    template = golden_sites.template(0)
    assert batch_reports(index, points, template) == one_by_one(index, points, template)


def test_bad_points_are_rejected_naming_the_field(registry):
    _, _, index = registry
    with pytest.raises(InvalidRequest) as raised:
        match_sites(index, np.array([[200.0, 0.0]]), golden_sites.template(0))
    assert raised.value.field == "points"
