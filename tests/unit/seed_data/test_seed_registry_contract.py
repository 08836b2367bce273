"""Every generated feature passes the registry's own validation (skipped if it is absent)."""

from __future__ import annotations

import pytest

from seed_data import benchmark, guangxi, liechtenstein

validation = pytest.importorskip("registry.inventory.validation")


def _as_api_feature(feature: dict, org_ids: dict[str, int]) -> dict:
    """The loader's flattening: attributes become properties, owner key becomes owner_id."""
    props = dict(feature["properties"])
    attrs = props.pop("attributes")
    props.pop("allocations")
    props["owner_id"] = org_ids[props.pop("owner")]
    return {"type": "Feature", "geometry": feature["geometry"], "properties": {**props, **attrs}}


def _check(orgs, features) -> None:
    org_ids = {o.key: i for i, o in enumerate(orgs, start=1)}
    for f in features:
        validation.parse_asset_feature(_as_api_feature(f, org_ids))


def test_demo_city_passes_registry_validation(demo):
    _check(*demo)


def test_osm_conversions_pass_registry_validation():
    _check(*liechtenstein.generate())
    _check(*guangxi.generate())


def test_benchmark_features_pass_registry_validation():
    arrays = benchmark.generate_arrays(2000, 500, seed=5)
    _check(benchmark.orgs(), benchmark.iter_features(arrays))
