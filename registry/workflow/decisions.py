"""Approvers' decisions on build requests: share instead, build new (justified), reject, ask."""

from __future__ import annotations

import datetime as dt
import logging

from registry.access import rules
from registry.db.uow import UnitOfWork
from registry.errors import Forbidden, ValidationFailed
from registry.inventory.validation import choice
from registry.inventory.vocabulary import Resource
from registry.workflow.build_requests import get_build_request, latest_report, snapshot
from registry.workflow.calendar import Calendar
from registry.workflow.expiry import settle_required_shares
from registry.workflow.models import BuildRequest, Decision, MatchReport
from registry.workflow.parties import text
from registry.workflow.share_holds import UnitAsk
from registry.workflow.share_requests import DEFAULT_HOLD, place_share_request
from registry.workflow.states import BuildAction, BuildState, DecisionKind, build_next

log = logging.getLogger(__name__)

# Building new although the engine found a feasible share needs a written case this long.
MIN_JUSTIFICATION = 30


def decision_snapshot(d: Decision) -> dict:
    """The audit/JSON view of a decision."""
    return {
        "id": d.id,
        "build_request_id": d.build_request_id,
        "decision": d.decision,
        "actor": d.actor,
        "actor_org_id": d.actor_org_id,
        "reason": d.reason,
        "justification": d.justification,
        "match_report_id": d.match_report_id,
        "share_request_ids": list(d.share_request_ids or []),
        "created_at": d.created_at.isoformat() if d.created_at else None,
    }


# Verdicts under which building wholly new beside what exists needs a written justification:
# a full share, and a partial one (reuse plus some new trench) just as much.
FEASIBLE_VERDICTS = frozenset({"share", "partial_share"})


def feasible_share(report: MatchReport | None) -> bool:
    """True when the stored report found sharing feasible (verdict share or partial_share)."""
    return report is not None and report.verdict in FEASIBLE_VERDICTS


def _candidate(report: MatchReport | None, asset_id: int | None) -> int:
    candidates = (report.report.get("candidates") or []) if report else []
    ids = [c["asset_id"] for c in candidates]
    if not ids:
        raise ValidationFailed(
            "asset_id", "the match report has no share candidate; re-match or decide otherwise"
        )
    if asset_id is None:
        return ids[0]
    if asset_id not in ids:
        listed = ", ".join(str(i) for i in ids)
        raise ValidationFailed(
            "asset_id",
            f"asset {asset_id} is not a candidate of match report {report.id} ({listed})",
        )
    return asset_id


def _require_share(uow, br: BuildRequest, report, asset_id, hold, calendar) -> list[int]:
    """Open one share request per needed resource on the chosen candidate, for the requester."""
    chosen = _candidate(report, asset_id)
    purpose = f"Required by the decision on build request {br.id}: {br.purpose}"
    opened = []
    for resource, count in sorted(br.needs.items()):
        height = br.min_height_m if resource == Resource.ANTENNA_MOUNT else None
        ask = UnitAsk(asset_id=chosen, resource=resource, count=count, min_height_m=height)
        sr = place_share_request(
            uow,
            br.requester_id,
            ask,
            purpose,
            hold=hold,
            calendar=calendar,
            build_request_id=br.id,
        )
        opened.append(sr.id)
    return opened


def check_reasons(action: BuildAction, report, reason, justification) -> None:
    """The written reasons a decision needs: a justification (>= 30 characters) to build new
    beside a feasible share; a reason to reject or to ask; ValidationFailed otherwise."""
    short = justification is None or len(justification) < MIN_JUSTIFICATION
    if action == BuildAction.APPROVE_NEW_BUILD and feasible_share(report) and short:
        raise ValidationFailed(
            "justification",
            f"at least {MIN_JUSTIFICATION} characters are required: match report "
            f"{report.id} found a feasible share (verdict {report.verdict})",
        )
    if action in (BuildAction.REJECT, BuildAction.REQUEST_INFO) and reason is None:
        what = "the question to the requester" if action == BuildAction.REQUEST_INFO else "why"
        raise ValidationFailed("reason", f"is required: {what}")


def decide(
    uow: UnitOfWork,
    build_request_id: int,
    decision: str,
    *,
    reason: str | None = None,
    justification: str | None = None,
    asset_id: int | None = None,
    hold: dt.timedelta = DEFAULT_HOLD,
    calendar: Calendar | None = None,
) -> Decision:
    """Record an approver's decision on a pending build request; returns it.

    require_share opens share requests on the requester's behalf (409 if the candidate's
    capacity is gone by now); approve_new_build needs a justification when the latest
    report found a feasible share; request_info pauses the clock until the requester answers.
    """
    rules.require_approver(uow.actor)
    action = BuildAction(choice(DecisionKind, decision, "decision").value)
    reason, justification = text("reason", reason), text("justification", justification)
    settle_required_shares(uow, build_request_id, uow.now())
    br = get_build_request(uow.session, build_request_id, for_update=True)
    rules.require_visible_build_request(uow.actor, br, build_request_id)
    if not rules.may_decide(uow.actor, br):
        raise Forbidden("only an approver of the area the request lies in may decide it")
    before = snapshot(br)
    new_state = build_next(f"build request {br.id}", br.state, action)
    report = latest_report(uow.session, br.id)
    check_reasons(action, report, reason, justification)
    shares = []
    if action == BuildAction.REQUIRE_SHARE:
        shares = _require_share(uow, br, report, asset_id, hold, calendar)
    now = uow.now()
    br.state, br.updated_at = new_state, now
    if new_state == BuildState.INFO_REQUESTED:
        br.paused_at = now  # the decision clock stops until the requester answers
    else:
        br.decided_at = now
    row = Decision(
        build_request_id=br.id,
        decision=str(action),
        actor=uow.actor.name,
        actor_org_id=uow.actor.org_id,
        reason=reason,
        justification=justification,
        match_report_id=report.id if report else None,
        share_request_ids=shares,
        created_at=now,
    )
    _record(uow, row, br, before)
    return row


def _record(uow: UnitOfWork, row: Decision, br: BuildRequest, before: dict) -> None:
    """Store the decision; audit it and the build request's transition; commit."""
    uow.session.add(row)
    uow.session.flush()
    uow.audit("decision", row.id, "create", after=decision_snapshot(row))
    why = row.reason or row.justification
    uow.audit("build_request", br.id, row.decision, before, snapshot(br), why)
    uow.commit()
