"""Reading co-build groups: what each one saves, and who may see it (members and approvers)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from registry.access.rules import in_jurisdiction, sees_all
from registry.db.uow import Actor
from registry.errors import NotFound
from registry.planning.models import CoBuildGroup, CoBuildMember
from registry.planning.rules import CoBuildRules, current_rules
from registry.workflow.models import BuildRequest
from registry.workflow.states import BUILD_OPEN

DISSOLVED = "dissolved"


def needed_resources(requests: list[BuildRequest]) -> set[str]:
    """Every resource any member needs."""
    return {r for br in requests for r in (br.needs or {})}


def saving(kind: str, shared_m: float | None, requests: list[BuildRequest], rules) -> float:
    """What building once saves: one structure (or one shared stretch) per extra member."""
    extra = max(0, len(requests) - 1)
    resources = needed_resources(requests)
    if kind == "site":
        return extra * rules.costs.site_saving(resources)
    return extra * (shared_m or 0.0) * rules.costs.route_build_per_m(resources)


def _state(group: CoBuildGroup, requests: list[BuildRequest]) -> str:
    """An open group with fewer than two undecided members can no longer be built together."""
    if group.state == "open" and sum(br.state in BUILD_OPEN for br in requests) < 2:
        return DISSOLVED
    return group.state


def may_see(actor: Actor, requests: list[BuildRequest]) -> bool:
    """Members' organisations, and approvers in whose area any member lies (or who see all)."""
    if sees_all(actor):
        return True
    if actor.org_id is not None and any(br.requester_id == actor.org_id for br in requests):
        return True
    return any(in_jurisdiction(actor, br.geom) for br in requests)


@dataclass(frozen=True)
class MemberView:
    """A member of a group as a reader sees it: its request, its role, and whether it is the
    reader's own (never another member's plan)."""

    build_request_id: int
    role: str
    mine: bool


@dataclass(frozen=True)
class CoBuildGroupView:
    """A co-build group as it stands: the row, its effective state, its members and what
    building once saves (`shared_m` for routes, `sites` for sites, None for the other kind)."""

    row: CoBuildGroup
    state: str
    build_request_ids: tuple[int, ...]
    members: tuple[MemberView, ...]
    saving: float
    currency: str
    shared_m: float | None
    sites: int | None


def group_view(group, members, requests, actor: Actor, rules: CoBuildRules) -> CoBuildGroupView:
    """A group as this actor may see it: ids and roles only."""
    by_id = {br.id: br for br in requests}
    mine = {
        i for i, br in by_id.items() if actor.org_id is not None and br.requester_id == actor.org_id
    }
    route = group.kind == "route"
    return CoBuildGroupView(
        row=group,
        state=_state(group, requests),
        build_request_ids=tuple(sorted(by_id)),
        members=tuple(
            MemberView(m.build_request_id, m.role, m.build_request_id in mine)
            for m in sorted(members, key=lambda m: m.build_request_id)
        ),
        saving=saving(group.kind, group.shared_m, requests, rules),
        currency=rules.costs.currency,
        shared_m=(group.shared_m or 0.0) if route else None,
        sites=None if route else len(requests),
    )


def _load(session, group_ids=None):
    stmt = sa.select(CoBuildGroup).order_by(CoBuildGroup.id)
    if group_ids is not None:
        stmt = stmt.where(CoBuildGroup.id.in_(group_ids))
    groups = list(session.scalars(stmt))
    ids = [g.id for g in groups]
    members, requests = defaultdict(list), defaultdict(list)
    rows = session.execute(
        sa.select(CoBuildMember, BuildRequest)
        .join(BuildRequest, BuildRequest.id == CoBuildMember.build_request_id)
        .where(CoBuildMember.group_id.in_(ids))
    )
    for member, br in rows:
        members[member.group_id].append(member)
        requests[member.group_id].append(br)
    return [(g, members[g.id], requests[g.id]) for g in groups]


def list_groups(
    session, actor: Actor, state: str | None = None, limit=100, offset=0, rules=None
) -> tuple[list[CoBuildGroupView], int]:
    """(groups the actor may see, oldest first; how many in all)."""
    rules = rules or current_rules()
    shown = [group_view(g, m, r, actor, rules) for g, m, r in _load(session) if may_see(actor, r)]
    if state:
        shown = [g for g in shown if g.state == state]
    return shown[offset : offset + limit], len(shown)


def get_group(session, actor: Actor, group_id: int, rules=None) -> CoBuildGroupView:
    """One group, or NotFound when it does not exist or is not the actor's to see."""
    found = _load(session, [group_id])
    if not found or not may_see(actor, found[0][2]):
        raise NotFound(f"co-build group {group_id} does not exist", field="id")
    return group_view(*found[0], actor, rules or current_rules())
