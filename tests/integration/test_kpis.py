"""KPIs on SpatiaLite and PostGIS equal an independent count of a replayed, known history."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
import sqlalchemy as sa
from shapely.geometry import LineString, box

from registry.db.geo import length_m
from registry.db.uow import UnitOfWork
from registry.engine.matcher import Matcher
from registry.inventory.models import Allocation, Asset
from registry.planning import co_build_decision, co_build_queries, kpi_groups, kpis
from registry.planning.kpi_sql import KpiFilter
from registry.planning.rules import current_rules
from registry.workflow import decisions, share_requests
from registry.workflow.models import BuildRequest, ShareRequest
from tests.planning_factories import make_operator, submit
from tests.workflow_factories import make_cable, make_parties, make_tower

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TOWER = (108.3665, 22.8172)
# make_cable's cable runs from 108.36 to 108.37 along 22.81; R1 runs 11 m beside it, inside
# its ends, so the whole route can reuse it.
ROUTE = [[108.361, 22.8101], [108.369, 22.8101]]


def _pt(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


# The known history: who asks for what, where, how the approver decides, and when.
# days: (decided after, answer of the share request after), measured from the request.
SCENARIO = [
    dict(key="S1", who="A", geom=_pt(108.3666, 22.8172), outcome="require_share", days=(2, 1)),
    dict(key="S2", who="B", geom=_pt(108.3664, 22.8173), outcome="require_share", days=(12, 7)),
    dict(key="S3", who="A", geom=_pt(108.40, 22.85), outcome="approve_new_build", days=(4, None)),
    dict(key="S4", who="B", geom=_pt(108.42, 22.86), outcome="reject", days=(1, None)),
    dict(key="S5", who="A", geom=_pt(108.45, 22.80), outcome="co_build", days=(6, None)),
    dict(key="S6", who="B", geom=_pt(108.4508, 22.80), outcome="co_build", days=(6, None)),
    dict(
        key="R1",
        who="A",
        geom={"type": "LineString", "coordinates": ROUTE},
        outcome="require_share",
        days=(3, 2),
    ),
    dict(key="S7", who="B", geom=_pt(108.43, 22.84), outcome=None, days=(None, None)),
]
SLA_DAYS = (10, 5)  # build decisions due after 10 days, share answers after 5


@pytest.fixture
def history(session_factory):
    """Replay SCENARIO through the services, then set its clock to the known times."""
    cast = make_parties(session_factory)
    ops = {"A": cast.operator, "B": make_operator(session_factory, "China Unicom Nanning")}
    make_tower(session_factory, cast.owner_id, lon=TOWER[0], lat=TOWER[1])
    make_cable(session_factory, cast.owner_id)
    matcher = Matcher(session_factory)
    ids = {}
    for item in SCENARIO:
        wanted = dt.date(2026, 6, 1) if item["outcome"] == "co_build" else None
        extra = {"needs": {"fiber_core": 2}} if item["key"] == "R1" else {}
        br = submit(session_factory, matcher, ops[item["who"]], item["geom"], wanted, **extra)
        ids[item["key"]] = br.id
    _decide_all(session_factory, cast, ids)
    _set_clock(session_factory, ids)
    return cast, ops, ids


def _decide_all(session_factory, cast, ids):
    for item in SCENARIO:
        outcome, br_id = item["outcome"], ids[item["key"]]
        if outcome in ("require_share", "approve_new_build", "reject"):
            with UnitOfWork(session_factory, cast.approver) as uow:
                d = decisions.decide(uow, br_id, outcome, reason="replayed", justification="x" * 40)
            for sr_id in d.share_request_ids:
                with UnitOfWork(session_factory, cast.owner) as uow:
                    mode = "core_lease" if item["key"] == "R1" else None
                    share_requests.accept(
                        uow, sr_id, agreement_ref=f"AG-{sr_id}", sharing_mode=mode
                    )
    with session_factory() as session:
        (group,) = co_build_queries.list_groups(session, cast.admin)[0]
    with UnitOfWork(session_factory, cast.approver) as uow:
        co_build_decision.decide_co_build(uow, group.row.id, ids["S5"], "replayed")


def _set_clock(session_factory, ids):
    """Request i was made on day i; decisions and answers came SCENARIO's days later."""
    with session_factory() as session:
        session.execute(sa.update(Asset).values(created_at=T0 - dt.timedelta(days=30)))
        for i, item in enumerate(SCENARIO):
            made = T0 + dt.timedelta(days=i)
            decided, answered = item["days"]
            br = session.get(BuildRequest, ids[item["key"]])
            br.created_at, br.due_at = made, made + dt.timedelta(days=SLA_DAYS[0])
            if decided is not None:
                br.decided_at = made + dt.timedelta(days=decided)
            for sr in session.scalars(
                sa.select(ShareRequest).where(ShareRequest.build_request_id == br.id)
            ):
                asked = made + dt.timedelta(days=decided)
                sr.created_at, sr.due_at = asked, asked + dt.timedelta(days=SLA_DAYS[1])
                sr.answered_at = asked + dt.timedelta(days=answered)
                session.get(Allocation, sr.allocation_id).created_at = sr.answered_at
        session.commit()


def _expected(rows):
    """The KPIs counted from the scenario itself, not from the database."""
    costs = current_rules().costs
    decided = [r for r in rows if r["outcome"]]
    shares = [r for r in rows if r["outcome"] == "require_share"]
    tenants = [r for r in rows if r["key"] == "S6"]  # S5 builds, S6 is the tenant
    sites_avoided = [r for r in shares + tenants if r["key"].startswith("S")]
    decided_sites = [r for r in decided if r["key"].startswith("S") and r["outcome"] != "reject"]
    trench = length_m(LineString(ROUTE)) if any(r["key"] == "R1" for r in shares) else 0.0
    waits = [r["days"][0] for r in decided] + [r["days"][1] for r in shares]
    on_time = [r["days"][0] <= SLA_DAYS[0] for r in decided]
    on_time += [r["days"][1] <= SLA_DAYS[1] for r in shares]
    return {
        "build_requests": len(rows),
        # the engine finds T1 for S1 and S2, and the cable for R1: shares placed by design
        "share_verdicts": len([r for r in rows if r["key"] in ("S1", "S2", "R1")]),
        "builds_avoided": len(shares) + len(tenants),
        "new_tower_sharing_rate": len([r for r in shares if r["key"].startswith("S")])
        / len(decided_sites),
        "trench_m_avoided": trench,
        "saving": len(sites_avoided) * costs.new_tower + trench * costs.trench_per_m,
        "co2_t_avoided": len(sites_avoided) * kpis.CO2_T_PER_TOWER
        + trench * kpis.CO2_T_PER_TRENCH_M,
        "sla_met_rate": sum(on_time) / len(on_time),
        "median_answer_days": statistics.median(waits),
    }


def _compute(session_factory, **kw):
    f = KpiFilter(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31), **kw)
    with session_factory() as session:
        return kpis.compute(session, f)


def test_kpis_equal_an_independent_count_of_the_history(session_factory, history):
    got = _compute(session_factory)
    want = _expected(SCENARIO)
    assert got["build_requests"] == want["build_requests"] == 8
    assert got["share_verdicts"] == want["share_verdicts"]
    assert got["share_verdict_rate"] == round(want["share_verdicts"] / 8, 4)
    assert got["builds_avoided"] == want["builds_avoided"] == 4
    assert got["new_tower_sharing_rate"] == round(want["new_tower_sharing_rate"], 4)
    # one standing tower, T1, holds A and B as tenants (the co-build tower is only planned)
    assert got["tenancy_ratio"] == 2.0
    assert got["trench_m_avoided"] == pytest.approx(want["trench_m_avoided"], rel=0.01)
    assert got["saving"] == pytest.approx(want["saving"], rel=0.001)
    assert got["co2_t_avoided"] == pytest.approx(want["co2_t_avoided"], rel=0.001)
    assert got["sla_met_rate"] == round(want["sla_met_rate"], 4)
    assert got["median_answer_days"] == pytest.approx(want["median_answer_days"], abs=1e-6)


def test_an_organisations_figures_count_only_its_own_requests(session_factory, history):
    _, ops, _ = history
    mine = [r for r in SCENARIO if r["who"] == "B"]
    got = _compute(session_factory, owner_id=ops["B"].org_id)
    assert got["build_requests"] == len(mine)
    assert got["builds_avoided"] == len([r for r in mine if r["outcome"] == "require_share"]) + 1


def test_an_area_counts_only_the_requests_inside_it(session_factory, history):
    near_tower = box(108.3660, 22.8170, 108.3670, 22.8175)
    got = _compute(session_factory, area=near_tower)
    assert got["build_requests"] == 2  # S1 and S2
    assert got["tenancy_ratio"] == 2.0


def test_a_period_counts_only_requests_made_in_it(session_factory, history):
    f = KpiFilter(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 4))  # days 0, 1, 2
    with session_factory() as session:
        assert kpis.compute(session, f)["build_requests"] == 3


def test_grouping_by_organisation_splits_the_requests(session_factory, history):
    _, ops, _ = history
    f = KpiFilter(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    with session_factory() as session:
        groups = {g["group"]: g for g in kpi_groups.grouped(session, f, "owner")}
        months = kpi_groups.grouped(session, f, "month")
    for who, op in ops.items():
        assert groups[str(op.org_id)]["build_requests"] == len(
            [r for r in SCENARIO if r["who"] == who]
        )
    assert [m["group"] for m in months] == ["2026-03"] and months[0]["build_requests"] == 8
