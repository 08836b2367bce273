"""Build-request rows as the services share them: fetch (locked) and the audit snapshot."""

from __future__ import annotations

from registry.access import rules
from registry.db.rows import get_row
from registry.workflow.models import BuildRequest


def snapshot(br: BuildRequest) -> dict:
    """The audit view of a build request: its state and clock."""
    return {
        "id": br.id,
        "state": br.state,
        "kind": br.kind,
        "requester_id": br.requester_id,
        "due_at": br.due_at.isoformat(),
        "paused_at": br.paused_at.isoformat() if br.paused_at else None,
    }


def get_build_request(session, request_id: int, for_update: bool = False) -> BuildRequest:
    """The build request with this id (row-locked on PostgreSQL if asked), or NotFound."""
    return get_row(session, BuildRequest, request_id, "build request", for_update)


def visible_build_request(session, actor, request_id: int) -> BuildRequest:
    """The build request if this actor may see it; otherwise NotFound in the words of a
    missing id (registry.access.rules decides)."""
    br = session.get(BuildRequest, request_id)
    rules.require_visible_build_request(actor, br, request_id)
    return br
