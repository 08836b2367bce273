"""Co-build groups: requests that overlap in space and time join one group as they arrive."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from registry.db.uow import UnitOfWork
from registry.planning.models import CoBuildGroup, CoBuildMember
from registry.planning.overlap import fits
from registry.planning.rules import CoBuildRules, current_rules
from registry.workflow.models import BuildRequest
from registry.workflow.states import BUILD_OPEN

log = logging.getLogger(__name__)

OPEN, DECIDED = "open", "decided"
CO_BUILD_VERDICT = "co_build"


def group_snapshot(group: CoBuildGroup, member_ids: list[int]) -> dict:
    """The audit view of a group."""
    return {
        "id": group.id,
        "kind": group.kind,
        "state": group.state,
        "shared_m": group.shared_m,
        "build_request_ids": sorted(member_ids),
        "builder_request_id": group.builder_request_id,
        "planned_asset_id": group.planned_asset_id,
    }


def _partners(session, br: BuildRequest, rules: CoBuildRules) -> list[BuildRequest]:
    """Open requests of other organisations, of the same kind, wanted in the same window."""
    window = dt.timedelta(days=rules.window_days)
    stmt = (
        sa.select(BuildRequest)
        .where(
            BuildRequest.id != br.id,
            BuildRequest.kind == br.kind,
            BuildRequest.requester_id != br.requester_id,
            BuildRequest.state.in_([str(s) for s in BUILD_OPEN]),
            BuildRequest.wanted_date.between(br.wanted_date - window, br.wanted_date + window),
        )
        .order_by(BuildRequest.id)
    )
    return [p for p in session.scalars(stmt) if fits(br.kind, [br.geom, p.geom], rules) is not None]


def _members(session, group_id: int) -> list[BuildRequest]:
    stmt = (
        sa.select(BuildRequest)
        .join(CoBuildMember, CoBuildMember.build_request_id == BuildRequest.id)
        .where(CoBuildMember.group_id == group_id)
        .order_by(BuildRequest.id)
    )
    return list(session.scalars(stmt))


def _open_group_of(session, request_ids: list[int]) -> dict[int, int]:
    """{build request id: its open group's id} for the given requests."""
    stmt = (
        sa.select(CoBuildMember.build_request_id, CoBuildMember.group_id)
        .join(CoBuildGroup, CoBuildGroup.id == CoBuildMember.group_id)
        .where(CoBuildMember.build_request_id.in_(request_ids), CoBuildGroup.state == OPEN)
    )
    return dict(session.execute(stmt).all())


def _try_join(uow, br, partners, rules) -> CoBuildGroup | None:
    """Join the first open group whose members all overlap the new request."""
    grouped = _open_group_of(uow.session, [p.id for p in partners])
    for group_id in sorted(set(grouped.values())):
        members = _members(uow.session, group_id)
        overlap = fits(br.kind, [m.geom for m in members] + [br.geom], rules)
        if overlap is None or any(m.requester_id == br.requester_id for m in members):
            continue
        group = uow.session.get(CoBuildGroup, group_id)
        if br.kind == "route":
            group.shared_m = overlap
        _add(uow, group, br)
        uow.audit(
            "co_build_group", group.id, "join", after=group_snapshot(group, _ids(members, br))
        )
        return group
    return None


def _form(uow, br, partners, rules) -> CoBuildGroup | None:
    """A new group of the request and the ungrouped partners that all overlap each other."""
    grouped = _open_group_of(uow.session, [p.id for p in partners])
    chosen, orgs, overlap = [br], {br.requester_id}, None
    for p in partners:
        if p.id in grouped or p.requester_id in orgs:
            continue
        found = fits(br.kind, [m.geom for m in chosen] + [p.geom], rules)
        if found is not None:
            chosen, overlap = [*chosen, p], found
            orgs.add(p.requester_id)
    if len(chosen) < 2:
        return None
    group = CoBuildGroup(kind=br.kind, state=OPEN, shared_m=overlap if br.kind == "route" else None)
    uow.session.add(group)
    uow.session.flush()
    for member in chosen:
        _add(uow, group, member)
    uow.audit("co_build_group", group.id, "create", after=group_snapshot(group, _ids(chosen)))
    return group


def _ids(members, extra=None) -> list[int]:
    return [m.id for m in members] + ([extra.id] if extra is not None else [])


def _add(uow: UnitOfWork, group: CoBuildGroup, br: BuildRequest) -> None:
    uow.session.add(CoBuildMember(group_id=group.id, build_request_id=br.id, role="member"))
    uow.session.flush()


def group_on_submit(uow: UnitOfWork, br: BuildRequest, report: dict, rules=None) -> dict:
    """Put a just-submitted (flushed) request into a co-build group if it overlaps others.

    Returns the report to store: its verdict becomes `co_build` when the request joined or
    formed a group, unless the engine found an existing asset to share (sharing wins).
    Requests without a wanted_date are never grouped: no time overlap can be shown.
    """
    if br.wanted_date is None:
        return report
    rules = rules or current_rules()
    partners = _partners(uow.session, br, rules)
    if not partners:
        return report
    group = _try_join(uow, br, partners, rules) or _form(uow, br, partners, rules)
    if group is None:
        return report
    log.info("build request %s is in co-build group %s", br.id, group.id)
    out = {**report, "co_build_group_id": group.id}
    if report.get("verdict") != "share":
        out["verdict"] = CO_BUILD_VERDICT
    return out
