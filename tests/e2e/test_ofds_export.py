"""The OFDS export validates with the standard's own checker (libcoveofds), in every format."""

from __future__ import annotations

import csv
import io

import pytest
from libcoveofds.geojson import GeoJSONAssumeFeatureType, GeoJSONToJSONConverter
from libcoveofds.jsonschemavalidate import JSONSchemaValidator
from libcoveofds.python_validate import PythonValidate
from libcoveofds.schema import OFDSSchema

API = "/api/v1/ofds"


def _line(owner_id, ref, coords, kind="fiber_cable", **props):
    capacity = {"fiber_cable": {"fiber_core": {"total": 48}}, "duct": {"subduct": {"total": 4}}}
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "kind": kind,
            "owner_id": owner_id,
            "owner_ref": ref,
            "capacity": capacity[kind],
            **props,
        },
    }


@pytest.fixture
def network(client, make_token):
    """A power company's OPGW cable and a city duct meeting it; one confidential cable."""
    make_token("Guangxi Power Grid", "owner", sector="power")
    orgs = {o["name"]: o["id"] for o in client.get("/api/v1/organisations").json["items"]}
    owner = orgs["Guangxi Power Grid"]
    a, b, c = [108.36, 22.81], [108.37, 22.81], [108.37, 22.82]
    features = [
        _line(owner, "OPGW-1", [a, b], cable_type="OPGW"),
        _line(owner, "DUCT-1", [b, c], kind="duct"),
        _line(owner, "SECRET-1", [a, c], sensitivity="confidential"),
    ]
    ids = [client.post("/api/v1/assets", json=f).json["id"] for f in features]
    operator = make_token("China Mobile Nanning", "operator", sector="telecom")
    return {"ids": ids, "operator": {"Authorization": f"Bearer {operator}"}}


def _errors(package: dict) -> list:
    schema = OFDSSchema()
    found = [e.json() for e in JSONSchemaValidator(schema).validate(package)]
    return found + PythonValidate(schema).validate(package)


def test_the_network_package_passes_libcoveofds(client, network):
    package = client.get(f"{API}/network.json", headers=network["operator"]).json
    assert _errors(package) == []
    (net,) = package["networks"]
    spans = {s["id"]: s for s in net["spans"]}
    assert set(spans) == {str(i) for i in network["ids"][:2]}  # the confidential one is absent
    cable = spans[str(network["ids"][0])]
    assert (cable["fibreCount"], cable["darkFibre"]) == (48, True)
    assert cable["deployment"] == ["aboveGround"] and cable["codeployment"] == "power"
    assert len(net["nodes"]) == 3  # the cable and the duct share the node where they meet
    assert spans[str(network["ids"][1])]["start"] == cable["end"]


def test_geojson_nodes_and_spans_convert_back_to_a_valid_package(client, network):
    nodes = client.get(f"{API}/nodes.geojson", headers=network["operator"]).json
    spans = client.get(f"{API}/spans.geojson", headers=network["operator"]).json
    converter = GeoJSONToJSONConverter()
    converter.process_data(nodes, GeoJSONAssumeFeatureType.NODE)
    converter.process_data(spans, GeoJSONAssumeFeatureType.SPAN)
    package = converter.get_json()
    assert _errors(package) == []
    assert len(package["networks"][0]["spans"]) == 2
    assert len(package["networks"][0]["nodes"]) == 3


def test_csv_rows_carry_the_same_spans_and_nodes(client, network):
    package = client.get(f"{API}/network.json", headers=network["operator"]).json
    spans, nodes = (
        list(
            csv.DictReader(
                io.StringIO(
                    client.get(f"{API}/{name}.csv", headers=network["operator"]).get_data(
                        as_text=True
                    )
                )
            )
        )
        for name in ("spans", "nodes")
    )
    (net,) = package["networks"]
    assert sorted(r["id"] for r in spans) == sorted(s["id"] for s in net["spans"])
    assert {r["fibreCount"] for r in spans} == {"48", ""}  # the cable has 48, the duct none
    by_id = {n["id"]: n for n in net["nodes"]}
    assert {r["id"] for r in nodes} == set(by_id)
    for row in spans:
        assert row["start"] in by_id and row["end"] in by_id
        assert row["network_id"] == net["id"]


def test_an_unknown_file_is_a_404(client, network):
    assert client.get(f"{API}/network.csv").status_code == 404
