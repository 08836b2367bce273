"""Import mappings and cell conversion, without a database."""

from __future__ import annotations

import csv
import json

import pytest

from registry.errors import ValidationFailed
from registry.interop.importers.mapping import REPEAT_KEY, Mapping
from registry.interop.importers.mapping_file import parse_mapping
from registry.interop.importers.repair import drop_loops
from registry.interop.importers.report import ReportRow, write_report_csv


def test_a_mapping_builds_properties_from_fields_templates_and_constants():
    mapping = parse_mapping(
        """
        fields:
          owner_ref: "osm-{osm_type}-{osm_id}"
          kind: {field: location, map: {roof: rooftop}, default: tower}
          height_m: {field: height, type: number}
          voltage_kv: {field: voltage, scale: 0.001}
          name: {field: name, pattern: '^(\\w+)'}
          capacity.fiber_core.total: cores
          capacity.fiber_core.free: free_cores
        """
    )
    record = {"osm_type": "node", "osm_id": 42.0, "location": "ROOF", "height": "12.5 m",
              "voltage": "220000", "name": "Vaduz Nord", "cores": "48",
              "free_cores": "3"}  # fmt: skip
    assert mapping.apply(record) == {
        "owner_ref": "osm-node-42",
        "kind": "rooftop",
        "height_m": 12.5,
        "voltage_kv": 220.0,
        "name": "Vaduz",
        "capacity": {"fiber_core": {"total": 48}},
    }
    assert mapping.apply({"osm_type": "way", "osm_id": 7})["kind"] == "tower"


def test_the_identity_mapping_reads_what_the_exporters_write():
    record = {"id": 9, "owner_id": 3, "owner_name": "X", "kind": "tower", "owner_ref": "T1",
              "height_m": "30", "structure": "", "capacity.antenna_mount.total": 6.0,
              "capacity.antenna_mount.free": 2,
              "capacity.antenna_mount.heights": "[30, 27, 24, 21, 18, 15]",
              "updated_at": "2026-01-01"}  # fmt: skip
    assert Mapping().apply(record) == {
        "kind": "tower",
        "owner_ref": "T1",
        "height_m": 30.0,
        "capacity": {"antenna_mount": {"total": 6, "heights": [30, 27, 24, 21, 18, 15]}},
    }
    nested = {"kind": "tower", "owner_ref": "T1", "capacity": json.dumps(
        {"antenna_mount": {"total": 6, "allocated": 2, "free": 4}})}  # fmt: skip
    assert Mapping().apply(nested)["capacity"] == {"antenna_mount": {"total": 6}}


def test_spreading_a_json_field_and_numbering_repeated_refs():
    mapping = parse_mapping(
        'fields: {owner_ref: {template: "e-{u}-{v}", number_repeats: true}, "*": attributes}'
    )
    record = {"u": 1, "v": 2, "attributes": '{"name": "L1", "voltage_kv": 110}', REPEAT_KEY: 1}
    assert mapping.apply(record) == {"owner_ref": "e-1-2-1", "name": "L1", "voltage_kv": 110}
    assert mapping.ref_of(record) == "e-1-2-1"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("- a list", "mapping"),
        ("colour: red", "mapping.colour"),
        ("fields: {kind: {value: tower, field: k}}", "mapping.fields.kind"),
        ("fields: {kind: {field: k, type: date}}", "mapping.fields.kind"),
        ("fields: {name: {field: n, pattern: '('}}", "mapping.fields.name.pattern"),
        ("repair: [straighten]", "mapping.repair"),
        ("where: [1]", "mapping.where"),
    ],
)
def test_a_bad_mapping_names_the_key_at_fault(text, field):
    with pytest.raises(ValidationFailed) as caught:
        parse_mapping(text)
    assert caught.value.field == field


def test_bad_cells_name_the_property_and_the_source_field():
    mapping = parse_mapping("fields: {owner_ref: '{ref}', height_m: {field: h, type: number}}")
    with pytest.raises(ValidationFailed) as caught:
        mapping.apply({"ref": "T1", "h": "tall"})
    assert (caught.value.field, caught.value.reason) == (
        "properties.height_m", "'tall' is not a number (source field 'h')"
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as missing:
        mapping.apply({"h": "3"})
    assert missing.value.reason == "source field 'ref' is missing"
    with pytest.raises(ValidationFailed) as fraction:
        Mapping().apply({"capacity.subduct.total": "2.5"})
    assert fraction.value.field == "properties.capacity.subduct.total"


def test_the_where_filter_compares_words_numbers_and_booleans():
    mapping = parse_mapping("where: {reverse_duplicate: false, power: [tower, pole]}")
    assert mapping.keeps({"reverse_duplicate": "False", "power": "Tower"})
    assert mapping.keeps({"reverse_duplicate": False, "power": "pole"})
    assert not mapping.keeps({"reverse_duplicate": True, "power": "pole"})
    assert not mapping.keeps({"reverse_duplicate": False, "power": "line"})


def test_drop_loops_cuts_spikes_out_of_a_line():
    assert drop_loops([(0, 0), (1, 0), (2, 0), (1, 0), (3, 0)]) == [[0, 0], [1, 0], [3, 0]]
    closed = [(0, 0), (1, 0), (1, 1), (0, 0)]
    assert drop_loops(closed) == [[0, 0], [1, 0], [1, 1], [0, 0]]


def test_the_report_is_saved_as_csv(tmp_path):
    rows = [ReportRow(2, 3, "T2", "properties.height_m", "must be a number")]
    write_report_csv(rows, tmp_path / "report.csv")
    with open(tmp_path / "report.csv", encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [
            ["feature", "line", "owner_ref", "field", "reason"],
            ["2", "3", "T2", "properties.height_m", "must be a number"],
        ]
