"""KPIs per month, per organisation or per sector, and the CSV export of them."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import sqlalchemy as sa

from matching.rules import DEFAULT_COSTS
from registry.inventory.models import Organisation
from registry.planning.kpi_sql import KpiFilter, build_conditions, share_conditions
from registry.planning.kpis import METRICS, compute
from registry.planning.open_directory import safe_cell
from registry.workflow.models import BuildRequest, ShareRequest

GROUPINGS = ("month", "owner", "sector")


def _months(f: KpiFilter) -> list[tuple[str, KpiFilter]]:
    out, first = [], f.start.replace(day=1)
    while first <= f.end:
        following = (first + dt.timedelta(days=32)).replace(day=1)
        last = following - dt.timedelta(days=1)
        part = dataclasses.replace(f, start=max(first, f.start), end=min(last, f.end))
        out.append((first.strftime("%Y-%m"), part))
        first = following
    return out


def _organisations(session, f: KpiFilter) -> list[Organisation]:
    """Organisations with build requests made, or share requests owed, in the period."""
    requesters = sa.select(BuildRequest.requester_id).where(*build_conditions(f))
    owners = sa.select(ShareRequest.owner_id).where(*share_conditions(f))
    stmt = (
        sa.select(Organisation)
        .where(sa.or_(Organisation.id.in_(requesters), Organisation.id.in_(owners)))
        .order_by(Organisation.id)
    )
    return list(session.scalars(stmt))


def grouped(session, f: KpiFilter, group_by: str, costs=DEFAULT_COSTS) -> list[dict]:
    """[{"group": key, "label": ..., **kpis}] for each month, organisation or sector."""
    if group_by == "month":
        parts = [(key, key, part) for key, part in _months(f)]
    elif group_by == "owner":
        parts = [
            (str(o.id), o.name, dataclasses.replace(f, owner_id=o.id))
            for o in _organisations(session, f)
        ]
    else:
        sectors = sorted({o.sector for o in _organisations(session, f)})
        parts = [(s, s, dataclasses.replace(f, sector=s)) for s in sectors]
    return [
        {"group": key, "label": label, **compute(session, part, costs)}
        for key, label, part in parts
    ]


def to_csv(total: dict, groups: list[dict] | None) -> str:
    """One row per group (if any) and a last row "all"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = [*METRICS, "currency"]
    writer.writerow(["group", "label", *columns])
    for row in [*(groups or []), {"group": "all", "label": "all", **total}]:
        writer.writerow([_cell(row.get(c)) for c in ("group", "label", *columns)])
    return out.getvalue()


def _cell(value) -> str:
    return "" if value is None else safe_cell(str(value))
