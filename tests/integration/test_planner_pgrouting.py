"""The planner's optimum equals pgRouting's pgr_dijkstra over the same edge table (PostGIS).

The district is the demo city's generator at scale 0.05: a deterministic 3.4 km square of
Nanning with 385 ducts, cables and pole routes of several owners (the full city takes ~30 s
to seed; the generator alone takes 0.2 s). The planner's graph goes into a table row for row,
parallel edges included, and pgr_dijkstra must find the same least cost.
"""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from shapely.geometry import LineString, Point

from matching import AssetIndex, MemorySource, rules
from matching.planner import PlanRequest, PlanSettings
from matching.planner.crossings import Barriers, charged
from matching.planner.graph import build_graph
from matching.planner.plan import lines_near, plan_lines
from matching.records import AssetRecord, Capacity
from registry.db.engine import make_engine
from seed_data import demo_city
from tests.backends import postgres_url

SCALE = 0.05


def district() -> list[AssetRecord]:
    """The demo district's in-service lines as engine records (free = total - allocated)."""
    orgs, features = demo_city.generate(42, SCALE)
    owner = {org.key: (k + 1, org) for k, org in enumerate(orgs)}
    records = []
    for k, f in enumerate(features):
        p = f["properties"]
        if p["kind"] not in rules.LINE_KINDS:
            continue
        held = {}
        for a in p["allocations"]:
            held[a["resource"]] = held.get(a["resource"], 0) + len(a["units"])
        owner_id, org = owner[p["owner"]]
        records.append(
            AssetRecord(
                id=k + 1, kind=p["kind"], status=p["status"], sensitivity=p["sensitivity"],
                owner_id=owner_id, owner_name=org.name, owner_sector=org.sector,
                owner_ref=p["owner_ref"], geometry=LineString(f["geometry"]["coordinates"]),
                capacity={r: Capacity(c["total"], c["total"] - held.get(r, 0))
                          for r, c in p["capacity"].items()},
            )
        )  # fmt: skip
    return records


def requests(records, count: int) -> list[PlanRequest]:
    """Plans between random vertices of the district's lines, for each need."""
    rng = np.random.default_rng(5)
    vertices = [c for r in records for c in r.geometry.coords]
    out = []
    for k in range(count):
        a, b = (vertices[int(i)] for i in rng.choice(len(vertices), 2, replace=False))
        need = ["subduct", "fiber_core", "attachment"][k % 3]
        out.append(PlanRequest(start=Point(a), end=Point(b), needs={need: 1}, max_detour=1.5))
    return out


@pytest.fixture
def pg():
    engine = make_engine(postgres_url())
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pgrouting"))
    yield engine
    engine.dispose()


def _pgr_cost(conn, graph) -> float:
    conn.execute(sa.text("DROP TABLE IF EXISTS plan_edges"))
    conn.execute(sa.text("CREATE TEMP TABLE plan_edges (id bigint, source bigint, "
                         "target bigint, cost float8)"))  # fmt: skip
    rows = [
        {"id": e + 1, "source": int(u) + 1, "target": int(v) + 1, "cost": float(c)}
        for e, (u, v, c) in enumerate(zip(graph.u, graph.v, graph.cost, strict=True))
    ]
    conn.execute(sa.text("INSERT INTO plan_edges VALUES (:id, :source, :target, :cost)"), rows)
    return conn.execute(
        sa.text(
            "SELECT max(agg_cost) FROM pgr_dijkstra("
            "'SELECT id, source, target, cost, cost AS reverse_cost FROM plan_edges', "
            "1, 2, directed => false)"
        )
    ).scalar_one()


def test_the_planner_and_pgr_dijkstra_find_the_same_optimum_in_the_demo_district(pg):
    records = district()
    index = AssetIndex(MemorySource(records))
    settings = PlanSettings()
    reused = 0
    with pg.begin() as conn:
        for request in requests(records, 12):
            seq, lines = lines_near(index, request)
            # every edge geodesic, as pgRouting must be given them (the planner measures lazily)
            graph = build_graph(request, lines, rules.DEFAULT_COSTS, settings).measured()
            report = plan_lines(request, seq, lines, rules.DEFAULT_COSTS, settings)
            assert _pgr_cost(conn, graph) == pytest.approx(report.best.cost, abs=1e-6)
            reused += any(leg["type"] == "reuse" for leg in report.best.legs)
    assert reused >= 6  # the comparison is about real plans, not straight trenches


def district_barriers() -> Barriers:
    """The demo district's railway track, ring expressway and arterial streets."""
    found = demo_city.barriers(42, SCALE)
    kinds = [kind for kind, features in found.items() for _ in features]
    lines = [np.array(f["geometry"]["coordinates"]) for fs in found.values() for f in fs]
    return Barriers.of(kinds, lines)


def test_with_the_demo_districts_barriers_pgr_dijkstra_finds_the_same_optimum(pg):
    records, barriers = district(), district_barriers()
    index = AssetIndex(MemorySource(records))
    settings, costs = PlanSettings(), rules.DEFAULT_COSTS
    crossing_baselines = 0
    with pg.begin() as conn:
        for request in requests(records, 12):
            seq, lines = lines_near(index, request)
            graph = charged(build_graph(request, lines, costs, settings), barriers, costs)
            report = plan_lines(request, seq, lines, costs, settings, barriers)
            assert _pgr_cost(conn, graph.measured()) == pytest.approx(report.best.cost, abs=1e-6)
            crossing_baselines += report.baseline_cost > request.span_m * graph.build_per_m + 1
    assert crossing_baselines >= 4  # the straight lines do cross the district's barriers
