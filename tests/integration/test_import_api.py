"""POST /api/v1/imports: a multipart upload in, the summary and report out; 422 when refused."""

from __future__ import annotations

import io
import json

from tests import gis_files as gis

MAPPING = """
fields:
  owner_ref: ref
  kind: {value: pole}
  height_m: height
"""


def _org_id(client, name: str) -> int:
    return next(o["id"] for o in client.get("/api/v1/organisations").json["items"]
                if o["name"] == name)  # fmt: skip


def _post(client, owner_id, features, name="towers.geojson", **form):
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    data = {"file": (io.BytesIO(body), name), "owner_id": str(owner_id), **form}
    return client.post("/api/v1/imports", data=data, content_type="multipart/form-data")


def test_an_owner_uploads_a_file_and_gets_the_summary(client, make_token):
    token = make_token("Tower Co", "owner", sector="tower_company")
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    owner_id = _org_id(client, "Tower Co")
    features = [gis.registry_feature(f"T{i}", 108.36 + i / 100, 22.8) for i in range(3)]
    response = _post(client, owner_id, features)
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["created"], body["committed"], body["file"]) == (3, True, "towers.geojson")
    assert body["summary"] == "created 3, updated 0, unchanged 0, rejected 0"
    assert _post(client, owner_id, features).json["unchanged"] == 3
    listed = client.get(f"/api/v1/assets?owner_id={owner_id}").json
    assert listed["numberMatched"] == 3


def test_a_refused_import_is_a_422_with_the_report(client):
    owner_id = _org_id(client, "InfraShare Administration")
    features = [
        gis.registry_feature("T1", 108.36, 22.8),
        gis.registry_feature("T2", 200.0, 22.8),
    ]
    response = _post(client, owner_id, features)
    assert response.status_code == 422
    body = response.json
    assert (body["code"], body["status"]) == (422, "import_rejected")
    assert body["errors"] == {
        "features": {"2": {"geometry": ["longitude must be between -180 and 180"]}}
    }
    assert body["report"] == [
        {"feature": 2, "line": None, "owner_ref": "T2", "field": "geometry",
         "reason": "longitude must be between -180 and 180"}
    ]  # fmt: skip
    assert client.get("/api/v1/assets").json["numberMatched"] == 0
    skipped = _post(client, owner_id, features, skip_invalid="true")
    assert (skipped.status_code, skipped.json["created"]) == (200, 1)


def test_a_mapping_can_be_sent_with_the_file(client):
    owner_id = _org_id(client, "InfraShare Administration")
    rows = "lon,lat,ref,height\n108.3,22.8,P1,11\n108.4,22.9,P2,12\n"
    data = {
        "file": (io.BytesIO(rows.encode()), "poles.csv"),
        "owner_id": str(owner_id),
        "mapping": MAPPING,
    }
    response = client.post("/api/v1/imports", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.json
    poles = client.get("/api/v1/assets?kind=pole").json["features"]
    assert sorted(f["properties"]["height_m"] for f in poles) == [11.0, 12.0]


def test_bad_uploads_are_422s_naming_the_field(client):
    owner_id = _org_id(client, "InfraShare Administration")
    no_file = client.post(
        "/api/v1/imports", data={"owner_id": str(owner_id)}, content_type="multipart/form-data"
    )
    assert no_file.status_code == 422 and "file" in no_file.json["errors"]["multipart"]
    wrong = _post(client, owner_id, [], name="towers.xlsx")
    assert wrong.status_code == 422 and list(wrong.json["errors"]) == ["file"]
    bad_mapping = _post(client, owner_id, [], mapping="fields: [1, 2]")
    assert bad_mapping.status_code == 422 and list(bad_mapping.json["errors"]) == ["mapping.fields"]


def test_only_the_owner_may_import_its_assets(client, make_token):
    other = make_token("China Mobile Nanning", "owner", sector="telecom")
    owner_id = _org_id(client, "InfraShare Administration")
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {other}"
    response = _post(client, owner_id, [gis.registry_feature("T1", 108.36, 22.8)])
    assert (response.status_code, response.json["status"]) == (403, "forbidden")


def _one_point_duct(ref: str) -> dict:
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[108.36, 22.8]]},
            "properties": {"kind": "duct", "owner_ref": ref}}  # fmt: skip


def test_a_one_point_line_is_a_feature_error_and_every_bad_feature_is_reported(client):
    owner_id = _org_id(client, "InfraShare Administration")
    features = [
        _one_point_duct("D1"),
        gis.registry_feature("T1", 108.36, 22.8),
        gis.registry_feature("T2", 108.37, 22.8, height_m="tall"),
        _one_point_duct("D2"),
    ]
    response = _post(client, owner_id, features)
    assert response.status_code == 422, response.json
    assert {(r["feature"], r["owner_ref"], r["field"]) for r in response.json["report"]} == {
        (1, "D1", "geometry"), (3, "T2", "properties.height_m"), (4, "D2", "geometry")
    }  # fmt: skip
    assert "LineString needs at least 2 positions" in response.json["report"][0]["reason"]
    assert client.get("/api/v1/assets").json["numberMatched"] == 0


def test_an_unreadable_file_is_a_422_in_the_users_terms(client):
    owner_id = _org_id(client, "InfraShare Administration")
    data = {"file": (io.BytesIO(b"\x00\x01 not a geopackage"), "towers.gpkg"),
            "owner_id": str(owner_id)}  # fmt: skip
    response = client.post("/api/v1/imports", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    message = response.json["errors"]["file"][0]
    assert "cannot be read as gpkg" in message
    assert "/tmp" not in json.dumps(response.json) and "infrashare-import" not in message
    assert "GDAL" not in message and "driver" not in message.lower()
