"""Deciding a co-build group: one member builds a planned asset, the others hold capacity on it."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from registry.access.rules import in_jurisdiction, require_approver
from registry.db.uow import UnitOfWork
from registry.errors import IllegalTransition, NotFound, ValidationFailed
from registry.inventory import allocations
from registry.inventory.assets import input_snapshot
from registry.inventory.models import Asset, Capacity, utcnow
from registry.inventory.validation import AssetInput, CapacitySpec
from registry.inventory.vocabulary import AllocationState, Kind, Resource, Sensitivity, Status
from registry.planning.co_build import DECIDED, OPEN, group_snapshot
from registry.planning.models import CoBuildGroup, CoBuildMember
from registry.planning.terms import PLANNED_DATE, iso_date
from registry.workflow.build_requests import latest_report, snapshot
from registry.workflow.decisions import decision_snapshot
from registry.workflow.models import BuildRequest, Decision
from registry.workflow.parties import text
from registry.workflow.states import BUILD_OPEN, BuildAction, build_next

log = logging.getLogger(__name__)


def _units(br: BuildRequest, resource: Resource) -> int:
    """Units of `resource` a member needs on the shared structure (at least one)."""
    return max(1, int((br.needs or {}).get(resource, 1)))


def _planned_shape(kind: str, requests: list[BuildRequest]) -> tuple[Kind, Resource]:
    """What is built: a tower for antennas (a pole for attachments only), a duct for routes."""
    if kind == "route":
        return Kind.DUCT, Resource.SUBDUCT
    if any(Resource.ANTENNA_MOUNT in (br.needs or {}) for br in requests):
        return Kind.TOWER, Resource.ANTENNA_MOUNT
    return Kind.POLE, Resource.ATTACHMENT


def _planned_asset(uow, group, builder, requests, planned_date: str) -> tuple[Asset, Resource]:
    """Store the planned asset, owned by the builder, sized for every member's needs."""
    kind, resource = _planned_shape(group.kind, requests)
    total = sum(_units(br, resource) for br in requests)
    data = AssetInput(
        kind=kind,
        owner_id=builder.requester_id,
        owner_ref=f"co-build-{group.id}",
        geometry=builder.geom,
        status=Status.PLANNED,
        sensitivity=Sensitivity.PUBLIC,
        attributes={PLANNED_DATE: planned_date},
        capacity={resource: CapacitySpec(total=total)},
    )
    asset = Asset(
        owner_id=data.owner_id,
        owner_ref=data.owner_ref,
        kind=data.kind.value,
        status=data.status.value,
        sensitivity=data.sensitivity.value,
        geom=data.geometry,
        attributes=dict(data.attributes),
        capacities=[Capacity(resource=resource.value, total=total)],
    )
    uow.session.add(asset)
    uow.session.flush()
    uow.changed(asset.id, "asset", "create")
    uow.audit("asset", asset.id, "create", after=input_snapshot(data), reason="co-build")
    return asset, resource


def _open_members(uow, group_id: int, actor) -> list[tuple[CoBuildMember, BuildRequest]]:
    stmt = (
        sa.select(CoBuildMember, BuildRequest)
        .join(BuildRequest, BuildRequest.id == CoBuildMember.build_request_id)
        .where(CoBuildMember.group_id == group_id)
        .order_by(BuildRequest.id)
        .with_for_update(of=BuildRequest)
    )
    rows = [(m, br) for m, br in uow.session.execute(stmt)]
    if not rows or not all(in_jurisdiction(actor, br.geom) for _, br in rows):
        raise NotFound(f"co-build group {group_id} does not exist", field="id")
    return [(m, br) for m, br in rows if br.state in BUILD_OPEN]


def _check(group, rows, builder_request_id) -> BuildRequest:
    if group.state != OPEN:
        raise IllegalTransition(
            f"co-build group {group.id} is {group.state}", field="state", current_state=group.state
        )
    if len(rows) < 2:
        raise IllegalTransition(
            f"co-build group {group.id} has fewer than two undecided requests",
            field="state",
            current_state="dissolved",
        )
    builders = [br for _, br in rows if br.id == builder_request_id]
    if not builders:
        ids = ", ".join(str(br.id) for _, br in rows)
        raise ValidationFailed("builder_request_id", f"must be an undecided member ({ids})")
    return builders[0]


def decide_co_build(
    uow: UnitOfWork,
    group_id: int,
    builder_request_id: int,
    reason: str,
    planned_date: str | None = None,
) -> CoBuildGroup:
    """An approver decides: the builder's organisation builds a planned asset, the other
    members become tenants with capacity reserved on it; every member is decided co_build."""
    require_approver(uow.actor)
    reason = text("reason", reason, required=True)
    group = uow.session.get(CoBuildGroup, group_id, with_for_update=True)
    if group is None:
        raise NotFound(f"co-build group {group_id} does not exist", field="id")
    rows = _open_members(uow, group_id, uow.actor)
    builder = _check(group, rows, builder_request_id)
    requests = [br for _, br in rows]
    when = planned_date or (builder.wanted_date or dt.date.today()).isoformat()
    asset, resource = _planned_asset(uow, group, builder, requests, iso_date(when, "planned_date"))
    now = utcnow()
    for member, br in rows:
        _assign(uow, group, member, br, builder, asset, resource)
        _decide_member(uow, br, reason, now)
    group.state, group.decided_at = DECIDED, now
    group.builder_request_id, group.planned_asset_id = builder.id, asset.id
    after = group_snapshot(group, [br.id for br in requests])
    uow.audit("co_build_group", group.id, "decide", after=after, reason=reason)
    uow.commit()
    return group


def _assign(uow, group, member, br, builder, asset, resource) -> None:
    """The builder builds; a tenant gets its units reserved on the planned asset."""
    member.role = "builder" if br.id == builder.id else "tenant"
    if member.role == "tenant":
        alloc = allocations.allocate(
            uow,
            asset.id,
            resource,
            br.requester_id,
            count=_units(br, resource),
            state=AllocationState.RESERVED,
            agreement_ref=f"co-build-{group.id}",
            commit=False,
        )
        member.allocation_id = alloc.id


def _decide_member(uow: UnitOfWork, br: BuildRequest, reason: str, now) -> None:
    before = snapshot(br)
    br.state = build_next(f"build request {br.id}", br.state, BuildAction.CO_BUILD)
    br.updated_at = br.decided_at = now
    report = latest_report(uow.session, br.id)
    row = Decision(
        build_request_id=br.id,
        decision=str(BuildAction.CO_BUILD),
        actor=uow.actor.name,
        actor_org_id=uow.actor.org_id,
        reason=reason,
        match_report_id=report.id if report else None,
        share_request_ids=[],
        created_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit("decision", row.id, "create", after=decision_snapshot(row))
    uow.audit("build_request", br.id, row.decision, before, snapshot(br), reason)
