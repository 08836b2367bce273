"""`flask --app api import` and `export` with a path that cannot serve: refused before any
work, naming the option and the fix, never a traceback (and never after an import committed)."""

from __future__ import annotations

import sqlalchemy as sa

from registry.inventory.models import Asset
from tests import gis_files as gis
from tests.factories import make_org


def _assets(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Asset))


def _towers_file(tmp_path):
    towers = [gis.registry_feature("T1", 108.3, 22.8, height_m=30.0)]
    return gis.write_geojson(tmp_path / "towers.geojson", towers)


def test_a_report_in_a_missing_folder_is_refused_before_the_import(app, session_factory,
                                                                  tmp_path):  # fmt: skip
    # Before: the import committed, then writing the report raised FileNotFoundError.
    owner = make_org(session_factory)
    report = tmp_path / "no" / "report.csv"
    args = ["import", str(_towers_file(tmp_path)), "--owner", owner.name, "--report", report]
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--report'" in result.output and "create it first" in result.output
    assert _assets(session_factory) == 0


def test_a_mapping_file_that_is_not_utf8_names_the_mapping(app, session_factory, tmp_path):
    owner = make_org(session_factory)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_bytes("fields:\n  owner_ref: Référence\n".encode("latin-1"))
    args = ["import", str(_towers_file(tmp_path)), "--owner", owner.name, "--mapping", mapping]
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit, result.output
    assert "mapping: is not UTF-8 text: save it as UTF-8" in result.output


def test_an_export_into_a_missing_folder_is_refused_naming_out(app, tmp_path):
    out = tmp_path / "no" / "assets.csv"
    result = app.test_cli_runner().invoke(args=["export", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--out'" in result.output and "create it first" in result.output


def test_a_bad_export_filter_is_named_as_its_option(app, tmp_path):
    out = tmp_path / "assets.csv"
    args = ["export", "--format", "csv", "--out", str(out), "--bbox", "a,b"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 2, result.output
    assert "--bbox: must be 4 comma-separated numbers" in result.output
    assert "{" not in result.output
