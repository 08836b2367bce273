"""Sharing KPIs from the workflow tables, computed in SQL on SpatiaLite and PostGIS.

Definitions (docs/planning.md has them with the CO2 factors' sources):
- build_requests: build requests made in the period;
- share_verdicts: of them, those whose submit-time report said share or partial_share;
- builds_avoided: decided require_share, or co-build as a tenant;
- new_tower_sharing_rate: decided site requests met by an existing structure (require_share)
  over all decided site requests (require_share, approved, co_build);
- tenancy_ratio: tenancies (another organisation holding mounts) per tower standing at the end;
- trench_m_avoided: trench_avoided_m of the report behind each require_share decision on a
  route, plus the shared stretch of each co-build tenant's route;
- saving: sites avoided x new_tower + trench_m_avoided x trench_per_m (the cost table);
- co2_t_avoided: sites avoided x CO2_T_PER_TOWER + trench_m_avoided x CO2_T_PER_TRENCH_M;
- sla_met_rate, median_answer_days: decisions on those build requests and answers to share
  requests made in the period: on time (by due_at) and days from request to answer.
"""

from __future__ import annotations

import sqlalchemy as sa

from matching.rules import DEFAULT_COSTS, Costs
from registry.inventory.models import Allocation, Asset
from registry.planning.kpi_sql import (
    KpiFilter,
    build_conditions,
    days_between,
    median,
    share_conditions,
    tower_conditions,
)
from registry.planning.models import CoBuildGroup, CoBuildMember
from registry.workflow.models import BuildRequest, Decision, MatchReport, ShareRequest

# Tonnes CO2e per tower and per metre of trench not built; see docs/planning.md for sources.
CO2_T_PER_TOWER = 28.0
CO2_T_PER_TRENCH_M = 0.011
SHARE_VERDICTS = ("share", "partial_share")
DECIDED_SITE_STATES = ("share_required", "approved", "co_build")
METRICS = (
    "build_requests",
    "share_verdicts",
    "share_verdict_rate",
    "builds_avoided",
    "new_tower_sharing_rate",
    "tenancy_ratio",
    "trench_m_avoided",
    "saving",
    "co2_t_avoided",
    "sla_met_rate",
    "median_answer_days",
)


def _ratio(part, whole) -> float | None:
    return round(part / whole, 4) if whole else None


def _count(session, *conds, join=None) -> int:
    stmt = sa.select(sa.func.count(sa.distinct(BuildRequest.id))).select_from(BuildRequest)
    if join is not None:
        stmt = stmt.join(*join)
    return session.scalar(stmt.where(*conds)) or 0


def _tenant_condition():
    tenants = sa.select(CoBuildMember.build_request_id).where(CoBuildMember.role == "tenant")
    return sa.and_(BuildRequest.state == "co_build", BuildRequest.id.in_(tenants))


def _avoided(session, base) -> tuple[int, int]:
    """(builds avoided, of them sites)."""
    avoided = sa.or_(BuildRequest.state == "share_required", _tenant_condition())
    return _count(session, *base, avoided), _count(
        session, *base, avoided, BuildRequest.kind == "site"
    )


def _trench_m(session, base) -> float:
    trench = MatchReport.report["trench_avoided_m"].as_float()
    shared = (
        sa.select(sa.func.coalesce(sa.func.sum(trench), 0.0))
        .select_from(BuildRequest)
        .join(Decision, Decision.build_request_id == BuildRequest.id)
        .join(MatchReport, MatchReport.id == Decision.match_report_id)
        .where(*base, BuildRequest.kind == "route", Decision.decision == "require_share")
    )
    co_built = (
        sa.select(sa.func.coalesce(sa.func.sum(CoBuildGroup.shared_m), 0.0))
        .select_from(BuildRequest)
        .join(CoBuildMember, CoBuildMember.build_request_id == BuildRequest.id)
        .join(CoBuildGroup, CoBuildGroup.id == CoBuildMember.group_id)
        .where(*base, BuildRequest.kind == "route", _tenant_condition())
    )
    return float(session.scalar(shared) or 0.0) + float(session.scalar(co_built) or 0.0)


def _tenancy(session, f: KpiFilter) -> float | None:
    towers = sa.select(Asset.id).where(*tower_conditions(f))
    n_towers = session.scalar(sa.select(sa.func.count()).select_from(towers.subquery())) or 0
    pairs = (
        sa.select(Allocation.asset_id, Allocation.tenant_id)
        .join(Asset, Asset.id == Allocation.asset_id)
        .where(
            Allocation.asset_id.in_(towers),
            Allocation.tenant_id != Asset.owner_id,
            Allocation.resource == "antenna_mount",
            Allocation.state.in_(("active", "released")),
            Allocation.created_at < f.until,
            sa.or_(Allocation.ended_at.is_(None), Allocation.ended_at >= f.until),
        )
        .distinct()
    )
    tenancies = session.scalar(sa.select(sa.func.count()).select_from(pairs.subquery())) or 0
    return _ratio(tenancies, n_towers)


def _answers(session, f: KpiFilter, base):
    """SELECT (days to answer, on time 1/0) of build-request decisions and share answers."""
    dialect = session.get_bind().dialect.name
    build = sa.select(
        days_between(dialect, BuildRequest.created_at, BuildRequest.decided_at).label("days"),
        sa.case((BuildRequest.decided_at <= BuildRequest.due_at, 1), else_=0).label("on_time"),
    ).where(*base, BuildRequest.decided_at.is_not(None))
    share = sa.select(
        days_between(dialect, ShareRequest.created_at, ShareRequest.answered_at).label("days"),
        sa.case((ShareRequest.answered_at <= ShareRequest.due_at, 1), else_=0).label("on_time"),
    ).where(*share_conditions(f), ShareRequest.answered_at.is_not(None))
    return sa.union_all(build, share)


def compute(session, f: KpiFilter, costs: Costs = DEFAULT_COSTS) -> dict:
    """Every KPI for the filter, as a dict keyed by METRICS."""
    base = build_conditions(f)
    total = _count(session, *base)
    report = (
        MatchReport,
        sa.and_(MatchReport.build_request_id == BuildRequest.id, MatchReport.trigger == "submit"),
    )
    shares = _count(session, *base, MatchReport.verdict.in_(SHARE_VERDICTS), join=report)
    avoided, sites_avoided = _avoided(session, base)
    site = BuildRequest.kind == "site"
    decided_sites = _count(session, *base, site, BuildRequest.state.in_(DECIDED_SITE_STATES))
    shared_sites = _count(session, *base, site, BuildRequest.state == "share_required")
    trench = _trench_m(session, base)
    answers = _answers(session, f, base).subquery()
    n_answers = session.scalar(sa.select(sa.func.count()).select_from(answers)) or 0
    on_time = session.scalar(sa.select(sa.func.sum(answers.c.on_time))) or 0
    days = median(session, sa.select(answers.c.days))
    return {
        "build_requests": total,
        "share_verdicts": shares,
        "share_verdict_rate": _ratio(shares, total),
        "builds_avoided": avoided,
        "new_tower_sharing_rate": _ratio(shared_sites, decided_sites),
        "tenancy_ratio": _tenancy(session, f),
        "trench_m_avoided": round(trench, 1),
        "saving": round(sites_avoided * costs.new_tower + trench * costs.trench_per_m, 2),
        "currency": costs.currency,
        "co2_t_avoided": round(sites_avoided * CO2_T_PER_TOWER + trench * CO2_T_PER_TRENCH_M, 3),
        "sla_met_rate": _ratio(on_time, n_answers),
        "median_answer_days": round(days, 3) if days is not None else None,
    }
