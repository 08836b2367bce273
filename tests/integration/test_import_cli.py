"""`flask --app api import`: summary line, CSV report, exit codes, and kill -9 mid-import."""

from __future__ import annotations

import csv
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from registry.inventory.models import Asset, AuditEntry
from registry.inventory.queries import registry_seq
from tests import gis_files as gis
from tests.factories import make_org

ROOT = Path(__file__).resolve().parents[2]


def _towers(n: int, height: float = 30.0, start: int = 0) -> list[dict]:
    return [
        gis.registry_feature(f"T{i:05d}", 108.0 + i / 10_000, 22.8, height_m=height)
        for i in range(start, start + n)
    ]


def test_the_cli_prints_a_summary_and_saves_the_report(app, session_factory, tmp_path):
    owner = make_org(session_factory)
    bad = _towers(3)
    bad[1]["properties"]["height_m"] = "tall"
    path = gis.write_geojson(tmp_path / "towers.geojson", bad)
    report = tmp_path / "report.csv"
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["import", str(path), "--owner", owner.name, "--report", report])
    assert refused.exit_code == 1
    assert "rejected 1 — rejected, nothing written" in refused.output
    with open(report, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [
        {"feature": "2", "line": "", "owner_ref": "T00001", "field": "properties.height_m",
         "reason": "'tall' is not a number"}
    ]  # fmt: skip
    done = runner.invoke(args=["import", str(path), "--owner", str(owner.id), "--skip-invalid"])
    assert done.exit_code == 0, done.output
    assert "created 2, updated 0, unchanged 0, rejected 1" in done.output


def test_the_cli_refuses_an_unknown_owner(app, tmp_path):
    path = gis.write_geojson(tmp_path / "towers.geojson", _towers(1))
    result = app.test_cli_runner().invoke(args=["import", str(path), "--owner", "Nobody"])
    assert result.exit_code == 2 and "no organisation with id or name 'Nobody'" in result.output


def _state(session_factory) -> tuple:
    with session_factory() as session:
        heights = sorted(
            (ref, attrs.get("height_m"))
            for ref, attrs in session.execute(sa.select(Asset.owner_ref, Asset.attributes))
        )
        audits = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        return registry_seq(session), audits, heights


# Run in the child when the test wants it paused: the assets, capacity and audit rows are
# written in the open transaction, then the import waits (for the kill) before the feed and
# the commit.
PAUSE_BEFORE_COMMIT = """
import sys, time
from registry.interop.importers.store import Store
write = Store.write
def paused(self):
    write(self)
    print("import paused", file=sys.stderr, flush=True)
    time.sleep(3600)
Store.write = paused
from flask.cli import main
sys.argv[0] = "flask"
main()
"""


def _start_import(database_url: str, path: Path, owner_id: int, pause: bool = False):
    env = dict(os.environ, INFRASHARE_DATABASE_URL=database_url, INFRASHARE_SECRET_KEY="t")
    runner = ["-c", PAUSE_BEFORE_COMMIT] if pause else ["-m", "flask"]
    args = ["--app", "api", "import", str(path), "--owner", str(owner_id)]
    command = [sys.executable, *runner, *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)


def _wait_for_pause(process, timeout: float = 60.0) -> None:
    deadline, seen = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.5)
        if ready:
            line = process.stderr.readline()
            seen += line
            if "import paused" in line:
                return
        if process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"the import never paused:\n{seen}")


def test_killing_an_import_mid_way_leaves_the_registry_as_it_was(
    database_url, session_factory, actor, tmp_path
):
    owner = make_org(session_factory)
    v1 = gis.write_geojson(tmp_path / "v1.geojson", _towers(500))
    assert _start_import(database_url, v1, owner.id).wait(60) == 0
    before = _state(session_factory)
    v2 = gis.write_geojson(tmp_path / "v2.geojson", _towers(500, 31.0) + _towers(1000, start=500))
    process = _start_import(database_url, v2, owner.id, pause=True)
    _wait_for_pause(process)  # all 1500 are written, in a transaction not yet committed
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL
    assert _state(session_factory) == before
    rerun = _start_import(database_url, v2, owner.id)
    assert rerun.wait(60) == 0, rerun.stderr.read()
    seq, audits, heights = _state(session_factory)
    assert len(heights) == 1500 and heights[0] == ("T00000", 31.0)
    assert (seq, audits) == (before[0] + 1500, before[1] + 1500)


def test_the_cli_reports_a_one_point_line_without_a_traceback(app, session_factory, tmp_path):
    owner = make_org(session_factory)
    duct = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[108.3, 22.8]]},
            "properties": {"kind": "duct", "owner_ref": "D1"}}  # fmt: skip
    path = gis.write_geojson(tmp_path / "ducts.geojson", [duct, *_towers(2)])
    result = app.test_cli_runner().invoke(args=["import", str(path), "--owner", str(owner.id)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "feature 1 (D1): geometry: a LineString needs at least 2 positions" in result.output
    assert "rejected 1 — rejected, nothing written" in result.output
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Asset)) == 0
