"""Build requests: submit a planned site or route, match it at once, re-match, answer questions."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

import sqlalchemy as sa
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from matching.requests import InvalidRequest, RouteRequest, SiteRequest
from registry.access import rules
from registry.db.uow import UnitOfWork
from registry.errors import (
    Forbidden,
    IllegalTransition,
    InvalidGeometry,
    Problems,
    ValidationFailed,
)
from registry.inventory.models import Organisation
from registry.planning.co_build import group_on_submit
from registry.workflow.build_rows import get_build_request, snapshot
from registry.workflow.calendar import Calendar, resume_due
from registry.workflow.expiry import settle_required_shares
from registry.workflow.models import BuildRequest, MatchReport
from registry.workflow.parties import acting_org, text
from registry.workflow.states import BUILD_OPEN, BuildAction, BuildState, build_next

log = logging.getLogger(__name__)


class Matcher(Protocol):
    """The engine as the workflow needs it: typed requests in, report dicts out.

    The reports are `to_dict()`s with "verdict", "registry_seq", "candidates", ...
    """

    def match_site(self, request: SiteRequest) -> dict: ...

    def match_route(self, request: RouteRequest) -> dict: ...


def latest_report(session, build_request_id: int) -> MatchReport | None:
    """The newest match report of a build request."""
    stmt = (
        sa.select(MatchReport)
        .where(MatchReport.build_request_id == build_request_id)
        .order_by(MatchReport.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def engine_request(br: BuildRequest) -> SiteRequest | RouteRequest:
    """The engine's typed request for a build request (its checks raise InvalidRequest)."""
    if br.kind == "site":
        return SiteRequest(
            location=br.geom, radius_m=br.radius_m, needs=br.needs, min_height_m=br.min_height_m
        )
    return RouteRequest(route=br.geom, corridor_m=br.corridor_m, needs=br.needs)


def run_match(uow: UnitOfWork, matcher: Matcher, br: BuildRequest) -> dict:
    """Ask the engine; its validation errors become 422s naming the field.

    Ends the unit of work's open transaction first: the engine reads through its own
    connections, and on SQLite an open transaction holds the database lock they would wait
    for. Objects read so far reload on next use.
    """
    try:
        request = engine_request(br)
    except InvalidRequest as exc:
        field = "geometry" if exc.field in ("location", "route") else exc.field
        raise ValidationFailed(field, exc.message) from None
    uow.session.rollback()
    if isinstance(request, SiteRequest):
        return matcher.match_site(request)
    return matcher.match_route(request)


def _kind_of(geometry: BaseGeometry) -> str:
    if isinstance(geometry, Point):
        return "site"
    if isinstance(geometry, LineString):
        return "route"
    raise InvalidGeometry("geometry", "a site is a Point and a route a LineString")


def _number(field: str, value, required: bool) -> float | None:
    if value is None:
        if required:
            raise ValidationFailed(field, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(field, "must be a number")
    return float(value)


def _one_width(kind: str, br: BuildRequest) -> None:
    """A site has a search radius and a route a corridor, never the other's."""
    problems = Problems()
    if kind == "route" and br.min_height_m is not None:
        problems.add(ValidationFailed("min_height_m", "applies to sites only"))
    if kind == "route" and br.radius_m is not None:
        problems.add(ValidationFailed("radius_m", "applies to sites only: send corridor_m"))
    if kind == "site" and br.corridor_m is not None:
        problems.add(ValidationFailed("corridor_m", "applies to routes only: send radius_m"))
    problems.raise_any()


def _store_report(uow, br: BuildRequest, report: dict, trigger: str) -> MatchReport:
    row = MatchReport(
        build_request_id=br.id,
        registry_seq=int(report["registry_seq"]),
        verdict=str(report["verdict"]),
        trigger=trigger,
        report=report,
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def submit_build_request(
    uow: UnitOfWork,
    matcher: Matcher,
    *,
    geometry: BaseGeometry,
    needs: dict,
    purpose: str,
    radius_m=None,
    corridor_m=None,
    min_height_m=None,
    wanted_date: dt.date | None = None,
    requester_org_id: int | None = None,
    approver_org_id: int | None = None,
    calendar: Calendar | None = None,
) -> BuildRequest:
    """Store a planned site (a shapely Point) or route (a LineString), match it now, keep
    the report. `geometry` is a checked one, as registry.db.geometry.parse_geojson returns.

    Returns the pending request; its decision is due after the build-request SLA.
    """
    # Independent checks: every problem is reported at once (a refusal to act for another
    # organisation still answers alone, as a 403).
    problems = Problems()
    requester = problems.run(acting_org, uow, requester_org_id)
    kind = _kind_of(geometry)
    now = uow.now()
    br = BuildRequest(
        requester_id=requester,
        approver_org_id=problems.run(_approver, uow, approver_org_id),
        kind=kind,
        geom=geometry,
        needs=needs,
        radius_m=problems.run(_number, "radius_m", radius_m, kind == "site"),
        corridor_m=problems.run(_number, "corridor_m", corridor_m, kind == "route"),
        min_height_m=problems.run(_number, "min_height_m", min_height_m, False),
        purpose=problems.run(text, "purpose", purpose, True),
        wanted_date=wanted_date,
        state=str(BuildState.PENDING),
        due_at=(calendar or Calendar()).due("build_request", now),
        created_at=now,
        updated_at=now,
    )
    problems.run(_one_width, kind, br)
    problems.raise_any()
    report = run_match(uow, matcher, br)
    uow.session.add(br)
    uow.session.flush()
    report = group_on_submit(uow, br, report)  # overlapping plans of others: co-build
    row = _store_report(uow, br, report, "submit")
    after = snapshot(br) | {"report_id": row.id, "verdict": row.verdict}
    uow.audit("build_request", br.id, "create", after=after, reason=br.purpose)
    uow.commit()
    return br


def _approver(uow: UnitOfWork, org_id: int | None) -> int | None:
    if org_id is not None and uow.session.get(Organisation, org_id) is None:
        raise ValidationFailed("approver_org_id", f"organisation {org_id} does not exist")
    return org_id


def _require_open(br: BuildRequest) -> None:
    if br.state not in BUILD_OPEN:
        raise IllegalTransition(
            f"build request {br.id} is {br.state}; a decided request is not re-matched",
            field="state",
            current_state=br.state,
        )


def rematch(uow: UnitOfWork, matcher: Matcher, request_id: int) -> MatchReport:
    """Run the engine again on an open request; the new report is kept beside the old ones."""
    br = get_build_request(uow.session, request_id)
    rules.require_visible_build_request(uow.actor, br, request_id)
    settle_required_shares(
        uow, request_id, uow.now()
    )  # a lapsed required share reopens the request
    if not rules.may_rematch(uow.actor, br):
        raise Forbidden("only the requester or an approver of its area may re-match")
    _require_open(br)
    report = run_match(uow, matcher, br)
    br = get_build_request(uow.session, request_id, for_update=True)
    _require_open(br)  # it may have been decided while the engine worked
    row = _store_report(uow, br, report, "rematch")
    after = snapshot(br) | {"report_id": row.id, "verdict": row.verdict}
    uow.audit("build_request", br.id, "rematch", before=snapshot(br), after=after)
    uow.commit()
    return row


def respond(uow: UnitOfWork, request_id: int, answer: str) -> BuildRequest:
    """The requester answers an approver's question; the clock restarts, due date moved."""
    br = get_build_request(uow.session, request_id, for_update=True)
    rules.require_visible_build_request(uow.actor, br, request_id)
    rules.require_org(uow.actor, [br.requester_id], "the requester may answer for a build request")
    before = snapshot(br)
    br.state = build_next(f"build request {br.id}", br.state, BuildAction.RESPOND)
    answer = text("answer", answer, required=True)
    now = uow.now()
    br.due_at = resume_due(br.due_at, br.paused_at, now)
    br.paused_at = None
    br.updated_at = now
    uow.audit("build_request", br.id, "respond", before=before, after=snapshot(br), reason=answer)
    uow.commit()
    return br
