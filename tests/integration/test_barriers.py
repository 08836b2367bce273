"""Barriers: `flask --app api barriers import`, the seeders, and plans that pay to cross them."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from registry.barriers.models import Barrier
from registry.inventory.models import AuditEntry
from seed_data.liechtenstein import BARRIER_FILES
from tests.factories import line_feature
from tests.unit.matching.factories import offset

LON, LAT = 108.36, 22.817


def _at(east: float, north: float) -> list[float]:
    return list(offset(LON, LAT, east, north))


def _rows(session_factory):
    with session_factory() as session:
        return session.scalars(sa.select(Barrier).order_by(Barrier.id)).all()


def _factory(app):
    return app.extensions["infrashare"].session_factory


def _write(path, features) -> str:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return str(path)


def _rail(coords, fid="r1"):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"id": fid, "name": "Test line"}}  # fmt: skip


def test_importing_real_railways_loads_every_line_once_and_a_rerun_changes_nothing(app):
    runner = app.test_cli_runner()
    path = str(BARRIER_FILES["rail"])
    first = runner.invoke(args=["barriers", "import", path, "--kind", "rail"])
    assert first.exit_code == 0, first.output
    assert "34 created, 0 updated, 0 unchanged" in first.output
    rows = _rows(_factory(app))
    assert len(rows) == 34 and {r.kind for r in rows} == {"rail"}
    assert {r.source for r in rows} == {"osm"} and "way/19780616" in {r.source_id for r in rows}
    assert rows[0].geom.geom_type == "LineString"
    again = runner.invoke(args=["barriers", "import", path, "--kind", "rail"])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 34 unchanged" in again.output
    assert [(r.id, r.updated_at) for r in _rows(_factory(app))] == [
        (r.id, r.updated_at) for r in rows
    ]
    with _factory(app)() as session:
        audits = session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "barriers"))
        assert [a.action for a in audits] == ["import"]  # the re-run wrote nothing


def test_a_file_with_a_point_or_an_empty_line_is_refused_whole(app, tmp_path):
    good = _rail([_at(0, -100), _at(0, 100)], "good")
    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": _at(0, 0)},
             "properties": {"id": "station"}}  # fmt: skip
    empty = _rail([_at(5, 5), _at(5, 5)], "stub")
    path = _write(tmp_path / "bad.geojson", [good, point, empty])
    result = app.test_cli_runner().invoke(args=["barriers", "import", path, "--kind", "rail"])
    assert result.exit_code == 1
    assert "nothing imported" in result.output
    assert "feature 2 (station): is a Point; a barrier must be a LineString" in result.output
    assert "feature 3 (stub): is an empty line" in result.output
    assert _rows(_factory(app)) == []


def test_a_feature_without_an_id_names_the_fix(app, tmp_path):
    line = {"type": "Feature", "geometry": {"type": "LineString",
            "coordinates": [_at(0, 0), _at(0, 50)]}, "properties": {}}  # fmt: skip
    path = _write(tmp_path / "noid.geojson", [line])
    result = app.test_cli_runner().invoke(args=["barriers", "import", path, "--kind", "major_road"])
    assert result.exit_code == 1 and "has no id" in result.output and "--id-field" in result.output


def _duct(client, owner, ref, coords):
    r = client.post("/api/v1/assets", json=line_feature(owner, coords, kind="duct", ref=ref))
    assert r.status_code == 201, r.json
    return r.json["id"]


@pytest.fixture
def district(client):
    """Ducts west and east of where a rail line will run, and one round its south end."""
    org = client.post("/api/v1/organisations", json={"name": "Unicom", "sector": "telecom"}).json
    return {
        "west": _duct(client, org["id"], "W", [_at(-300, 0), _at(-20, 0)]),
        "east": _duct(client, org["id"], "E", [_at(20, 0), _at(300, 0)]),
        "round": _duct(client, org["id"], "S",
                       [_at(-20, -40), _at(-20, -560), _at(20, -560), _at(20, -40)]),
    }  # fmt: skip


def _plan(client, **extra):
    body = {"from": {"type": "Point", "coordinates": _at(-310, 0)},
            "to": {"type": "Point", "coordinates": _at(310, 0)},
            "needs": {"subduct": 1}, "max_detour": 3.0, **extra}  # fmt: skip
    r = client.post("/api/v1/plan/route", json=body)
    assert r.status_code == 200, r.json
    return r.json


def _reused(plan) -> set[int]:
    return {leg["asset_id"] for leg in plan["legs"] if leg["type"] == "reuse"}


def test_a_rail_line_across_the_direct_trench_sends_the_plan_round_its_end(
    app, client, district, tmp_path
):
    before = _plan(client)
    assert _reused(before) == {district["west"], district["east"]}
    assert all("crossings" not in leg for leg in before["legs"])  # no barriers: as before
    path = _write(tmp_path / "rail.geojson", [_rail([_at(0, -500), _at(0, 500)])])
    result = app.test_cli_runner().invoke(args=["barriers", "import", path, "--kind", "rail",
                                                "--source", "survey"])  # fmt: skip
    assert result.exit_code == 0, result.output
    after = _plan(client)  # the engine sees the new barrier without a restart
    assert district["round"] in _reused(after)
    trench = [leg for leg in after["legs"] if leg["type"] != "reuse"]
    nothing = {"count": 0, "kinds": {}, "cost": 0.0}  # nothing crossed: no points either
    assert trench and all(leg["crossings"] == nothing for leg in trench)
    assert after["baseline"]["cost"] == pytest.approx(before["baseline"]["cost"] + 25_000, abs=0.02)
    forced = _plan(client, constraints={"exclude_asset_ids": [district["round"]]})
    crossing = [leg for leg in forced["legs"] if leg.get("crossings", {}).get("count")]
    (crossed,) = [leg["crossings"] for leg in crossing]
    (point,) = crossed.pop("points")  # where: on the rail line (it runs due north at east 0)
    assert crossed == {"count": 1, "kinds": {"rail": 1}, "cost": 25_000.0}
    assert point["kind"] == "rail" and point["coordinates"][0] == pytest.approx(
        _at(0, 0)[0], abs=1e-6
    )
    assert crossing[0]["cost"] > 25_000
    assert "crosses 1 rail line" in forced["explanation"]


def test_the_barrier_table_has_its_spatial_index(engine):
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT spatial_index_enabled FROM geometry_columns WHERE f_table_name='barrier'"
            assert conn.execute(sa.text(sql)).scalar() == 1
        else:
            sql = "SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_barrier_geom'"
            assert "gist" in (conn.execute(sa.text(sql)).scalar() or "")


def test_seeding_liechtenstein_loads_its_railways_and_major_roads_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "liechtenstein"])
    assert first.exit_code == 0, first.output
    assert "rail barriers: 34 created" in first.output
    assert "major_road barriers: 586 created" in first.output
    again = runner.invoke(args=["seed", "liechtenstein"])
    assert "major_road barriers: 0 created, 0 updated, 586 unchanged" in again.output
    kinds = [r.kind for r in _rows(_factory(app))]
    assert (kinds.count("rail"), kinds.count("major_road")) == (34, 586)


def test_the_demo_seed_loads_the_citys_railway_and_major_roads(app):
    result = app.test_cli_runner().invoke(args=["seed", "demo", "--scale", "0.02"])
    assert result.exit_code == 0, result.output
    rows = _rows(_factory(app))
    assert {r.source for r in rows} == {"demo"}
    assert [r.source_id for r in rows if r.kind == "rail"] == ["rail"]
    assert "ring" in {r.source_id for r in rows if r.kind == "major_road"}
