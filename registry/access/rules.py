"""May this actor see, or act on, this object? Every object type's rule, decided here once.

Every read (lists, details, audit, deadlines, exports, OGC, tiles) and every action (services)
asks this module; no other module decides who may see or do what. Two kinds of answer:
- predicates on a loaded object (`may_see_build_request(actor, br)`), and
- SQL conditions for lists (`build_request_condition(actor)`), which must agree with them.
`require_*` raise NotFound when the actor may not know the object exists, Forbidden when it
may know but not act. Assets are disclosed (full, masked or hidden) by
registry.access.visibility, whose functions are re-exported here.
"""

from __future__ import annotations

import sqlalchemy as sa

from registry.access.models import AccessGrant
from registry.access.visibility import disclose, disclose_all, entitled, visible_condition
from registry.db.uow import Actor
from registry.errors import Forbidden, NotFound
from registry.inventory.models import Asset, AuditEntry
from registry.inventory.vocabulary import Sensitivity
from registry.workflow.models import BuildRequest, Decision, ShareRequest

__all__ = [
    "audit_condition",
    "build_request_condition",
    "decision_condition",
    "disclose",
    "disclose_all",
    "entitled",
    "grant_condition",
    "may_act_on_share_request",
    "may_decide",
    "may_read_history",
    "may_rematch",
    "may_see_asset",
    "may_see_build_request",
    "may_see_share_request",
    "require_admin",
    "require_approver",
    "require_org",
    "require_owner",
    "require_role",
    "require_visible_build_request",
    "require_visible_share_request",
    "share_request_condition",
    "visible_condition",
]

NOBODY = -1  # an org id no row has: "the actor's organisation" for an actor without one


# --- roles and organisations -------------------------------------------------------------


def sees_all(actor: Actor) -> bool:
    """Admins and national approvers (no jurisdiction) oversee every workflow object."""
    return actor.is_admin or ("approver" in actor.roles and actor.jurisdiction is None)


def _org(actor: Actor) -> int:
    return actor.org_id if actor.org_id is not None else NOBODY


def require_role(actor: Actor, *roles: str) -> None:
    """The actor's organisation must hold one of the roles (admins hold them all)."""
    if actor.is_admin or actor.roles & set(roles):
        return
    raise Forbidden(f"this needs the role {' or '.join(roles)}")


def require_org(actor: Actor, org_ids, doing: str) -> None:
    """Only a member of one of `org_ids` (or an admin) may do this."""
    if actor.is_admin or (actor.org_id is not None and actor.org_id in set(org_ids)):
        return
    raise Forbidden(f"only {doing}")


def require_owner(actor: Actor, owner_id: int, what: str = "asset") -> None:
    """Only the owner organisation (or an admin) creates, changes or deletes its assets."""
    if actor.is_admin or (actor.org_id is not None and actor.org_id == owner_id):
        return
    raise Forbidden(f"only the owner organisation may change this {what}")


def require_admin(actor: Actor, doing: str) -> None:
    """Organisations and tokens are administered by admins only (CLI jobs act as the system)."""
    if not actor.is_admin:
        raise Forbidden(f"only an admin may {doing}")


def require_approver(actor: Actor) -> None:
    """Build requests are decided by approvers (or admins)."""
    if actor.is_admin or "approver" in actor.roles:
        return
    raise Forbidden("only an approver may decide a build request")


# --- assets ------------------------------------------------------------------------------


def may_see_asset(actor: Actor, asset: Asset) -> bool:
    """Whether the actor may know the asset exists (a confidential one only if entitled)."""
    return asset.sensitivity != Sensitivity.CONFIDENTIAL or entitled(
        actor, asset.owner_id, asset.sensitivity, asset.kind, asset.geom
    )


# --- share requests ----------------------------------------------------------------------


def may_see_share_request(actor: Actor, sr: ShareRequest) -> bool:
    """Its parties (requester, owner) and those who oversee all."""
    return sees_all(actor) or _org(actor) in (sr.requester_id, sr.owner_id)


def share_request_condition(actor: Actor):
    """SQL on ShareRequest: the rows may_see_share_request allows."""
    if sees_all(actor):
        return sa.true()
    org = _org(actor)
    return sa.or_(ShareRequest.requester_id == org, ShareRequest.owner_id == org)


def require_visible_share_request(actor: Actor, sr: ShareRequest | None, request_id) -> None:
    """NotFound, in the words of a missing id, unless the actor may see this share request."""
    if sr is None or not may_see_share_request(actor, sr):
        raise NotFound(f"share request {request_id} does not exist", field="id")


def may_act_on_share_request(actor: Actor, sr: ShareRequest, parties: tuple[str, ...]) -> bool:
    """Whether the actor's organisation is one of the named parties (or the actor an admin)."""
    return actor.is_admin or _org(actor) in {getattr(sr, p) for p in parties}


# --- build requests ----------------------------------------------------------------------


def in_jurisdiction(actor: Actor, geometry) -> bool:
    """Whether a build request at `geometry` is this approver's to see and decide."""
    if sees_all(actor):
        return True
    area = actor.jurisdiction
    return "approver" in actor.roles and area is not None and area.intersects(geometry)


def _jurisdiction_condition(actor: Actor):
    if "approver" not in actor.roles or actor.jurisdiction is None:
        return sa.false()
    area = sa.func.ST_GeomFromText(actor.jurisdiction.wkt, 4326)
    return sa.func.ST_Intersects(BuildRequest.geom, area) == sa.true()


def may_see_build_request(actor: Actor, br: BuildRequest) -> bool:
    """Its requester, the approver it is addressed to, and approvers whose area it is in."""
    org = _org(actor)
    return org in (br.requester_id, br.approver_org_id) or in_jurisdiction(actor, br.geom)


def build_request_condition(actor: Actor):
    """SQL on BuildRequest: the rows may_see_build_request allows."""
    if sees_all(actor):
        return sa.true()
    org = _org(actor)
    return sa.or_(
        BuildRequest.requester_id == org,
        BuildRequest.approver_org_id == org,
        _jurisdiction_condition(actor),
    )


def require_visible_build_request(actor: Actor, br: BuildRequest | None, request_id) -> None:
    """NotFound, in the words of a missing id, unless the actor may see this build request."""
    if br is None or not may_see_build_request(actor, br):
        raise NotFound(f"build request {request_id} does not exist", field="id")


def may_decide(actor: Actor, br: BuildRequest) -> bool:
    """Approvers decide requests inside their area (national ones: all); admins any.

    Being named as a request's approver lets an organisation read it, never decide it
    outside its area: a requester cannot pick a friendlier approver.
    """
    return actor.is_admin or ("approver" in actor.roles and in_jurisdiction(actor, br.geom))


def may_rematch(actor: Actor, br: BuildRequest) -> bool:
    """The requester, or an approver who may decide it."""
    return _org(actor) == br.requester_id or may_decide(actor, br)


# --- decisions ---------------------------------------------------------------------------


def decision_condition(actor: Actor):
    """SQL on Decision: decisions on build requests the actor may see, and its own rulings."""
    if sees_all(actor):
        return sa.true()
    visible = sa.select(BuildRequest.id).where(build_request_condition(actor))
    return sa.or_(Decision.build_request_id.in_(visible), Decision.actor_org_id == _org(actor))


# --- access grants -----------------------------------------------------------------------


def grant_condition(actor: Actor):
    """SQL on AccessGrant: grants the actor's organisation gave or received."""
    if actor.is_admin:
        return sa.true()
    org = _org(actor)
    return sa.or_(AccessGrant.grantor_org_id == org, AccessGrant.grantee_org_id == org)


# --- audit -------------------------------------------------------------------------------

_AUDITED_OBJECTS = {
    "share_request": (ShareRequest, share_request_condition),
    "build_request": (BuildRequest, build_request_condition),
    "decision": (Decision, decision_condition),
    "access_grant": (AccessGrant, grant_condition),
}


def audit_condition(actor: Actor):
    """SQL on AuditEntry: the history of objects the actor may see (admins: everything)."""
    if actor.is_admin:
        return sa.true()
    conds = []
    for object_type, (model, condition) in _AUDITED_OBJECTS.items():
        if object_type == "access_grant" and sees_all(actor):
            condition = grant_condition  # a national approver oversees requests, not grants
        ids = sa.select(sa.cast(model.id, sa.String)).where(condition(actor))
        conds.append(sa.and_(AuditEntry.object_type == object_type, AuditEntry.object_id.in_(ids)))
    return sa.or_(*conds)


def may_read_history(session, actor: Actor, object_type: str, object_id) -> bool:
    """Whether the actor may read the history of one named object."""
    if actor.is_admin:
        return True
    entry = _AUDITED_OBJECTS.get(object_type)
    if entry is None or not str(object_id).isdigit():
        return False
    model, condition = entry
    if object_type == "access_grant" and sees_all(actor):
        condition = grant_condition
    stmt = sa.select(sa.func.count()).select_from(model)
    return bool(session.scalar(stmt.where(model.id == int(object_id), condition(actor))))
