"""Lists page with limit/offset through @blp.paginate: the envelope, the header, the bounds."""

from __future__ import annotations

import json

import pytest

LISTS = [
    "/api/v1/organisations",
    "/api/v1/share-requests",
    "/api/v1/build-requests",
    "/api/v1/build-requests/queue",
    "/api/v1/decisions",
    "/api/v1/audit",
]


@pytest.fixture
def five_orgs(client):
    for i in range(5):
        r = client.post("/api/v1/organisations", json={"name": f"Org {i}", "sector": "other"})
        assert r.status_code == 201


def test_limit_and_offset_pick_a_window_and_total_counts_all(client, five_orgs):
    everything = client.get("/api/v1/organisations").json
    r = client.get("/api/v1/organisations?limit=2&offset=1")
    assert r.status_code == 200
    assert (r.json["limit"], r.json["offset"], r.json["total"]) == (2, 1, everything["total"])
    assert r.json["items"] == everything["items"][1:3]
    assert json.loads(r.headers["X-Pagination"]) == {
        "total": everything["total"],
        "limit": 2,
        "offset": 1,
    }


def test_a_window_out_of_bounds_is_a_422_on_every_list(client):
    for path in LISTS:
        for query in ("limit=0", "limit=1001", "offset=-1"):
            r = client.get(f"{path}?{query}")
            assert r.status_code == 422, (path, query, r.json)
            assert query.split("=")[0] in str(r.json["errors"]), (path, query)


def test_a_limit_out_of_bounds_says_the_bounds_in_plain_words(client):
    # It said marshmallow's "Must be greater than or equal to 1 and less than or equal to 1000."
    for path in LISTS:
        r = client.get(f"{path}?limit=0")
        assert r.json["message"] == "limit: must be a whole number from 1 to 1000", (path, r.json)


def test_every_list_is_documented_with_limit_and_offset(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in LISTS:
        names = {p["name"] for p in spec["paths"][path]["get"]["parameters"]}
        assert {"limit", "offset"} <= names and "page" not in names, path
