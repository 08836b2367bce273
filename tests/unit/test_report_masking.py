"""A restricted route candidate shown masked gives away no exact distance, lateral included."""

from __future__ import annotations

from registry.access.report_visibility import _coarse_leg, _mask

CANDIDATE = {
    "asset_id": 7,
    "owner_ref": "DUCT-7",
    "owner_id": 3,
    "owner_name": "Guangxi Power",
    "kind": "duct",
    "sensitivity": "restricted",
    "distance_m": 12.34,
    "covered_m": 143.7,
    "intervals": [[10.2, 153.9]],
    "laterals_m": [[12.3, 31.7]],
    "explanation": "runs 12 m off the route",
}
LEG = {
    "asset_id": 7,
    "from_m": 10.2,
    "to_m": 153.9,
    "length_m": 143.7,
    "lateral_from_m": 12.3,
    "lateral_to_m": 61.0,
}


def test_a_masked_route_candidate_has_every_distance_on_the_mask_grid():
    out = _mask(CANDIDATE, 100.0)
    assert "owner_ref" not in out and out["masked"] is True
    assert out["distance_m"] == 0.0 and out["covered_m"] == 100.0
    assert out["intervals"] == [[0.0, 200.0]]
    assert out["laterals_m"] == [[0.0, 0.0]]
    assert "12 m" not in out["explanation"]


def test_a_masked_cover_leg_has_its_laterals_on_the_mask_grid():
    out = _coarse_leg(LEG, 100.0)
    assert (out["from_m"], out["to_m"], out["length_m"]) == (0.0, 200.0, 100.0)
    assert (out["lateral_from_m"], out["lateral_to_m"]) == (0.0, 100.0)
    assert out["masked"] is True
