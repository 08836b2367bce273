"""Read side of the workflow: share and build requests as they stand, filtered lists, the queue."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import sqlalchemy as sa

from registry.access import rules
from registry.access.report_visibility import redact_report
from registry.db.uow import Actor
from registry.inventory.models import Allocation, utcnow
from registry.workflow.models import BuildRequest, Decision, MatchReport, ShareRequest
from registry.workflow.states import BuildState, ShareState


def effective_share_state(now=None):
    """SQL: the state a share request is in now; a pending one whose hold lapsed is expired.

    Reads treat a lapsed hold as free before the expiry job marks it, so they must call the
    request expired too, or a reader would see "pending" with no units held.
    """
    now = now or utcnow()
    lapsed = sa.and_(ShareRequest.state == ShareState.PENDING, ShareRequest.hold_expires_at <= now)
    return sa.case((lapsed, sa.literal(ShareState.EXPIRED.value)), else_=ShareRequest.state)


@dataclass(frozen=True)
class HeldSwap:
    """The requester's own cable offered in a core swap, and the cores held on it now."""

    asset_id: int
    units: tuple[int, ...]
    allocation_id: int | None


@dataclass(frozen=True)
class ShareRequestView:
    """A share request as it stands now: the row, its effective state (a lapsed hold is
    expired before the expiry job marks it) and the units its allocations hold."""

    row: ShareRequest
    state: str
    units: tuple[int, ...]
    allocation_state: str | None
    swap: HeldSwap | None


def share_request_view(sr: ShareRequest, allocs: dict[int, Allocation], now=None):
    """One share request with the units its allocations (from `allocs`) hold."""
    now = now or utcnow()
    lapsed = sr.state == ShareState.PENDING and sr.hold_expires_at <= now
    main = allocs.get(sr.allocation_id)
    swap = None
    if sr.swap_asset_id is not None:
        held = allocs.get(sr.swap_allocation_id)
        units = tuple(held.units) if held is not None else ()
        swap = HeldSwap(sr.swap_asset_id, units, sr.swap_allocation_id)
    return ShareRequestView(
        row=sr,
        state=ShareState.EXPIRED.value if lapsed else sr.state,
        units=tuple(main.units) if main is not None else (),
        allocation_state=main.state if main is not None else None,
        swap=swap,
    )


def share_request_views(session, requests: list[ShareRequest]) -> list[ShareRequestView]:
    """Many share requests as they stand, with one query for their allocations."""
    ids = {a for sr in requests for a in (sr.allocation_id, sr.swap_allocation_id) if a}
    allocs = {}
    if ids:
        allocs = {
            a.id: a for a in session.scalars(sa.select(Allocation).where(Allocation.id.in_(ids)))
        }
    now = utcnow()
    return [share_request_view(sr, allocs, now) for sr in requests]


def visible_share_request(session, actor: Actor, request_id: int) -> ShareRequestView:
    """One share request, or NotFound unless the actor is a party (or oversees all)."""
    sr = session.get(ShareRequest, request_id)
    rules.require_visible_share_request(actor, sr, request_id)
    return share_request_views(session, [sr])[0]


@dataclass
class ShareFilter:
    """Filters of GET /share-requests, already validated."""

    state: str | None = None
    asset_id: int | None = None
    requester_id: int | None = None
    owner_id: int | None = None
    build_request_id: int | None = None
    limit: int = 100
    offset: int = 0


def list_share_requests(
    session, actor: Actor, f: ShareFilter
) -> tuple[list[ShareRequestView], int]:
    """(share requests the actor may see, newest first; total matching)."""
    conds = []
    if f.state:
        conds.append(effective_share_state() == f.state)
    for column, value in (
        (ShareRequest.asset_id, f.asset_id),
        (ShareRequest.requester_id, f.requester_id),
        (ShareRequest.owner_id, f.owner_id),
        (ShareRequest.build_request_id, f.build_request_id),
    ):
        if value is not None:
            conds.append(column == value)
    conds.append(rules.share_request_condition(actor))
    total = session.scalar(sa.select(sa.func.count()).select_from(ShareRequest).where(*conds))
    stmt = sa.select(ShareRequest).where(*conds).order_by(ShareRequest.id.desc())
    page = list(session.scalars(stmt.limit(f.limit).offset(f.offset)))
    return share_request_views(session, page), total


@dataclass(frozen=True)
class ReportView:
    """A stored match report and its report as the reader may see it (the row is unchanged)."""

    row: MatchReport
    report: dict


def report_view(session, row: MatchReport, actor: Actor, grid_m: float = 100.0):
    """(a stored match report as this actor may see it, {grant id: asset ids it revealed}).

    The stored report stays unchanged (it is the reproducible record); the view hides what
    the reader may not know, as POST /match does (registry.access.report_visibility).
    """
    shown, uses = redact_report(lambda: nullcontext(session), actor, row.report, grid_m)
    return ReportView(row, shown), uses


@dataclass(frozen=True)
class BuildRequestView:
    """A build request and the verdict of its latest match report (None before any)."""

    row: BuildRequest
    verdict: str | None


@dataclass(frozen=True)
class BuildRequestDetail(BuildRequestView):
    """A build request with its match reports (oldest first) and decisions."""

    reports: tuple[ReportView, ...]
    decisions: tuple[Decision, ...]


def _latest_verdicts(session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    newest = (
        sa.select(sa.func.max(MatchReport.id))
        .where(MatchReport.build_request_id.in_(ids))
        .group_by(MatchReport.build_request_id)
    )
    stmt = sa.select(MatchReport.build_request_id, MatchReport.verdict).where(
        MatchReport.id.in_(newest)
    )
    return dict(session.execute(stmt).all())


@dataclass
class BuildFilter:
    """Filters of GET /build-requests (and the approver queue), already validated."""

    state: str | None = None
    requester_id: int | None = None
    approver_org_id: int | None = None
    oldest_first: bool = False
    limit: int = 100
    offset: int = 0


def list_build_requests(
    session, actor: Actor, f: BuildFilter
) -> tuple[list[BuildRequestView], int]:
    """(build requests the actor may see, each with its latest verdict; total)."""
    conds = []
    if f.state:
        conds.append(BuildRequest.state == f.state)
    if f.requester_id is not None:
        conds.append(BuildRequest.requester_id == f.requester_id)
    if f.approver_org_id is not None:
        conds.append(BuildRequest.approver_org_id == f.approver_org_id)
    conds.append(rules.build_request_condition(actor))
    total = session.scalar(sa.select(sa.func.count()).select_from(BuildRequest).where(*conds))
    order = BuildRequest.id.asc() if f.oldest_first else BuildRequest.id.desc()
    stmt = sa.select(BuildRequest).where(*conds).order_by(order)
    page = list(session.scalars(stmt.limit(f.limit).offset(f.offset)))
    verdicts = _latest_verdicts(session, [br.id for br in page])
    return [BuildRequestView(br, verdicts.get(br.id)) for br in page], total


def approver_queue(session, actor: Actor, limit: int = 100, offset: int = 0):
    """Pending build requests, oldest first, each with its latest verdict."""
    f = BuildFilter(state=BuildState.PENDING, oldest_first=True, limit=limit, offset=offset)
    return list_build_requests(session, actor, f)


def build_request_detail(session, actor: Actor, request_id: int, grid_m: float = 100.0):
    """(one build request with its match reports, oldest first, and decisions; grant uses).

    NotFound unless the actor made it, it is addressed to the actor, or the actor oversees all.
    """
    br = session.get(BuildRequest, request_id)
    rules.require_visible_build_request(actor, br, request_id)
    rows = session.scalars(
        sa.select(MatchReport).where(MatchReport.build_request_id == br.id).order_by(MatchReport.id)
    ).all()
    decisions = session.scalars(
        sa.select(Decision).where(Decision.build_request_id == br.id).order_by(Decision.id)
    )
    reports, uses = [], {}
    for row in rows:
        shown, revealed = report_view(session, row, actor, grid_m)
        reports.append(shown)
        for grant_id, ids in revealed.items():
            uses.setdefault(grant_id, []).extend(ids)
    verdict = rows[-1].verdict if rows else None
    return BuildRequestDetail(br, verdict, tuple(reports), tuple(decisions)), uses


def list_decisions(
    session, actor: Actor, build_request_id=None, decision=None, limit=100, offset=0
):
    """(decisions the actor may see, newest first; total), optionally filtered."""
    conds = []
    if build_request_id is not None:
        conds.append(Decision.build_request_id == build_request_id)
    if decision is not None:
        conds.append(Decision.decision == decision)
    conds.append(rules.decision_condition(actor))
    total = session.scalar(sa.select(sa.func.count()).select_from(Decision).where(*conds))
    stmt = sa.select(Decision).where(*conds).order_by(Decision.id.desc())
    return list(session.scalars(stmt.limit(limit).offset(offset))), total
