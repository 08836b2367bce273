"""POST /api/v1/plan/route: legs, totals, the baseline, masking for the unentitled, 422s."""

from __future__ import annotations

import pytest

A, B = [108.3600, 22.8170], [108.3800, 22.8170]  # ~2 km apart along a parallel


def _line(client, owner_id, ref, coords, sensitivity="public"):
    feature = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {"kind": "duct", "owner_id": owner_id, "owner_ref": ref,
                       "sensitivity": sensitivity, "capacity": {"subduct": {"total": 4}}},
    }  # fmt: skip
    r = client.post("/api/v1/assets", json=feature)
    assert r.status_code == 201, r.json
    return r.json["id"]


@pytest.fixture
def street(client):
    """A duct running the whole way 10 m north of the straight line, of a telecom operator."""
    org = client.post("/api/v1/organisations", json={"name": "Unicom", "sector": "telecom"}).json
    north = 22.8170 + 10 / 111_000
    return org["id"], [[108.3600, north], [108.3700, north], [108.3800, north]]


def _plan(client, headers=None, **extra):
    body = {"from": {"type": "Point", "coordinates": A}, "to": {"type": "Point", "coordinates": B},
            "needs": {"subduct": 1}, **extra}  # fmt: skip
    return client.post("/api/v1/plan/route", json=body, headers=headers or {})


def test_a_duct_along_the_way_is_reused_and_the_plan_beats_the_baseline(client, street):
    owner, coords = street
    duct = _line(client, owner, "D-1", coords)
    r = _plan(client)
    assert r.status_code == 200, r.json
    body = r.json
    assert [leg["type"] for leg in body["legs"]] == ["lateral", "reuse", "lateral"]
    assert body["legs"][1]["asset_id"] == duct and body["legs"][1]["owner_ref"] == "D-1"
    assert body["total"]["reuse_m"] > 2_000 and body["total"]["new_trench_m"] < 25
    assert body["saving"] == pytest.approx(
        body["baseline"]["cost"] - body["total"]["cost"], abs=0.02
    )
    assert body["registry_seq"] >= 1 and body["explanation"].startswith("Reuse")


def test_a_restricted_duct_of_another_owner_is_used_but_shown_masked(
    app, client, street, make_token
):
    owner, coords = street
    _line(client, owner, "SECRET-REF", coords, sensitivity="restricted")
    operator = make_token(org="China Mobile Nanning", role="operator", sector="telecom")
    r = _plan(app.test_client(), headers={"Authorization": f"Bearer {operator}"})
    assert r.status_code == 200, r.json
    (reuse,) = [leg for leg in r.json["legs"] if leg["type"] == "reuse"]
    assert reuse["masked"] is True and "owner_ref" not in reuse
    assert "SECRET-REF" not in r.get_data(as_text=True)


def test_a_confidential_duct_counts_for_the_cost_but_is_not_shown(app, client, street, make_token):
    owner, coords = street
    _line(client, owner, "HIDDEN", coords, sensitivity="confidential")
    operator = make_token(org="China Mobile Nanning", role="operator", sector="telecom")
    r = _plan(app.test_client(), headers={"Authorization": f"Bearer {operator}"})
    assert r.status_code == 200, r.json
    (reuse,) = [leg for leg in r.json["legs"] if leg["type"] == "reuse"]
    assert reuse["hidden"] is True and reuse["geometry"] is None and "asset_id" not in reuse
    assert r.json["total"]["cost"] < r.json["baseline"]["cost"] / 5
    assert "owner_id" not in reuse and "HIDDEN" not in r.get_data(as_text=True)
    # The laterals would show where the hidden duct starts and ends: they are coarsened.
    assert all(leg.get("masked") for leg in r.json["legs"] if leg["type"] == "lateral")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"max_detour": 0.5}, "max_detour"),
        ({"alternatives": 99}, "alternatives"),
        ({"needs": {"antenna_mount": 1}}, "needs"),
        ({"constraints": {"colour": "red"}}, "constraints"),
        ({"to": {"type": "LineString", "coordinates": [A, B]}}, "to"),
    ],
)
def test_bad_plan_requests_are_422_naming_the_field(client, extra, field):
    r = _plan(client, **extra)
    assert r.status_code == 422, r.json
    assert any(field in key.split(".") for key in _flat_keys(r.json["errors"]))


def _flat_keys(errors: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in errors.items():
        name = f"{prefix}{key}"
        keys.append(name)
        if isinstance(value, dict):
            keys += _flat_keys(value, f"{name}.")
    return keys
