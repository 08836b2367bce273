"""`flask --app api audit`: planned sites from a file, against the registry, on Dask."""

from __future__ import annotations

import csv
import json

import pytest

from registry.db.uow import UnitOfWork
from registry.inventory import assets
from registry.inventory.validation import parse_asset_feature
from tests.factories import line_feature, make_org, point_feature

TOWERS = [("T1", 108.3665, 22.8172), ("T2", 108.3690, 22.8160)]


def _towers(session_factory, actor) -> dict[str, int]:
    org = make_org(session_factory)
    ids = {}
    for ref, lon, lat in TOWERS:
        with UnitOfWork(session_factory, actor) as uow:
            feature = point_feature(org.id, lon, lat, ref=ref, height_m=30)
            ids[ref] = assets.create_asset(uow, parse_asset_feature(feature)).id
    return ids


def _planned(tmp_path):
    path = tmp_path / "planned.csv"
    path.write_text("id,lon,lat\nnear,108.366,22.817\nfar,108.9,22.5\n", encoding="utf-8")
    return path


def _read(path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_audit_writes_verdicts_candidates_and_a_summary(app, session_factory, actor, tmp_path):
    ids = _towers(session_factory, actor)
    out = tmp_path / "out"
    args = ["audit", "--planned", str(_planned(tmp_path)), "--out", str(out)]
    result = app.test_cli_runner().invoke(args=[*args, "--workers", "1", "--threads"])
    assert result.exit_code == 0, result.output
    assert "2 planned sites: 1 could share" in result.output
    plans = _read(out / "plans.csv")
    assert [(p["plan_id"], p["verdict"]) for p in plans] == [
        ("near", "share"),
        ("far", "build_new"),
    ]
    assert plans[0]["best_asset_id"] == str(ids["T1"])
    candidates = _read(out / "candidates.csv")
    assert [(c["plan_id"], c["owner_ref"]) for c in candidates] == [("near", "T1"), ("near", "T2")]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["could_share"] == 1 and summary["money_avoidable"] > 0
    single = tmp_path / "single"
    again = app.test_cli_runner().invoke(args=[*args[:3], "--out", str(single), "--single-process"])
    assert again.exit_code == 0, again.output
    for name in ("plans.csv", "candidates.csv", "summary.json"):
        assert (single / name).read_text("utf-8") == (out / name).read_text("utf-8")


def test_a_planned_file_with_a_bad_row_is_refused_naming_it(app, tmp_path):
    path = tmp_path / "planned.csv"
    path.write_text("id,lon,lat\nok,108.3,22.8\nbad,north,22.8\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["audit", "--planned", str(path)])
    assert result.exit_code == 2
    assert "line 3.lon" in result.output and "'north' is not a number" in result.output


def _cable(session_factory, actor) -> int:
    org = make_org(session_factory)
    with UnitOfWork(session_factory, actor) as uow:
        feature = line_feature(org.id, [(108.3600, 22.8172), (108.3700, 22.8172)], ref="C1")
        return assets.create_asset(uow, parse_asset_feature(feature)).id


def test_the_audit_of_planned_routes_counts_trench_avoided(app, session_factory, actor, tmp_path):
    cable = _cable(session_factory, actor)
    path = tmp_path / "routes.geojson"
    along = {"type": "LineString", "coordinates": [[108.3610, 22.8173], [108.3690, 22.8173]]}
    away = {"type": "LineString", "coordinates": [[108.9, 22.5], [108.91, 22.5]]}
    features = [
        {"type": "Feature", "id": "along", "geometry": along, "properties": {}},
        {"type": "Feature", "id": "away", "geometry": away, "properties": {"corridor_m": 20}},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    out = tmp_path / "out"
    args = ["audit", "--planned", str(path), "--out", str(out), "--workers", "1", "--threads"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "2 planned routes: 1 could share" in result.output
    plans = _read(out / "plans.csv")
    assert [(p["plan_id"], p["verdict"], p["best_asset_id"]) for p in plans] == [
        ("along", "share", str(cable)),
        ("away", "build_new", "-1"),
    ]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["trench_m_avoidable"] > 700 and summary["money_avoidable"] > 0
    assert [c["owner_ref"] for c in _read(out / "candidates.csv")] == ["C1"]


def test_a_planned_route_that_is_not_a_line_is_refused_naming_it(app, tmp_path):
    path = tmp_path / "routes.geojson"
    line = {"type": "LineString", "coordinates": [[108.3, 22.8], [108.31, 22.8]]}
    point = {"type": "Point", "coordinates": [108.3, 22.8]}
    features = [{"type": "Feature", "geometry": g, "properties": {}} for g in (line, point)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    result = app.test_cli_runner().invoke(args=["audit", "--planned", str(path)])
    assert result.exit_code == 2
    assert "features[1].geometry" in result.output and "LineString" in result.output


def test_a_planned_file_that_is_not_json_is_refused_without_a_traceback(app, tmp_path):
    path = tmp_path / "planned.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["audit", "--planned", str(path)])
    assert result.exit_code == 2, result.output
    assert "file: is not valid JSON (line 1, column" in result.output
    assert "FeatureCollection" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("option", "value"),
    [("--workers", "0"), ("--top", "0"), ("--top", "101"), ("--radius", "-5"),
     ("--corridor", "0"), ("--min-height", "-1"), ("--tile-deg", "0")],
)  # fmt: skip
def test_an_option_out_of_range_is_refused_naming_the_option(app, tmp_path, option, value):
    # Before: --workers 0 started a LocalCluster without workers and waited for ever, and
    # --top 0 or --radius -5 were blamed on the file's first row ("line 2.limit").
    out = ["--out", str(tmp_path / "out")]  # were it to run, not into the working directory
    args = ["audit", "--planned", str(_planned(tmp_path)), "--single-process", *out, option, value]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output and "line 2" not in result.output


@pytest.mark.parametrize(
    ("extra", "named", "fix"),
    [
        (["--needs", "antenna_mount=0"], "--needs", "UNITS at least 1"),
        (["--needs", "gold=1"], "--needs", "antenna_mount, attachment"),
        (["--routes"], "--planned", "planned routes come in a .geojson or .json file"),
        (["--snapshot", "{tmp}/no/such/registry.parquet"], "--snapshot", "create it first"),
    ],
    ids=["no units", "an unknown resource", "routes from a CSV", "a snapshot in no folder"],
)
def test_an_option_that_cannot_serve_is_refused_naming_it(app, tmp_path, extra, named, fix):
    extra = [e.format(tmp=tmp_path) for e in extra]
    out = ["--out", str(tmp_path / "out")]
    args = ["audit", "--planned", str(_planned(tmp_path)), "--single-process", *out, *extra]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for {named}" in result.output and fix in result.output
    assert "line 2" not in result.output
