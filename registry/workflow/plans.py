"""Save a planned route as a build request, and file share requests for its reuse legs.

One unit of work, all or nothing: the build request (with the plan's legs stored in its match
report) and one share request per reused asset commit together, or, when any asset's units
are gone by now (409), nothing is written. The plan is recomputed here from the request,
never taken from the client.

The build request's route is the planned path as the requester may see it: restricted legs
coarsened, confidential ones bridged by a straight line (the requester never learns where
they run). The stored legs keep no geometry (the route has it) and say of a non-public
asset only its sensitivity, so a stored report never reveals more than its readers'
redacted candidates do. A confidential leg gets no share request (its owner must be asked);
`PlanSaved.unfiled_legs` counts them.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import nullcontext
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from matching.planner import PlanRequest
from matching.requests import RouteRequest, SiteRequest
from registry.db.geometry import parse_geojson
from registry.db.uow import UnitOfWork
from registry.engine import planner
from registry.errors import ValidationFailed
from registry.inventory.vocabulary import Sensitivity
from registry.workflow.build_requests import Matcher, submit_build_request
from registry.workflow.calendar import Calendar
from registry.workflow.models import BuildRequest, ShareRequest
from registry.workflow.share_holds import UnitAsk
from registry.workflow.share_requests import DEFAULT_HOLD, place_share_request

log = logging.getLogger(__name__)

PLAN_CORRIDOR_M = 10.0  # the stored route follows the assets: a narrow corridor finds them


@dataclass(frozen=True)
class PlanSaved:
    build_request: BuildRequest
    share_requests: tuple[ShareRequest, ...]
    unfiled_legs: int  # reuse legs on assets the requester may not see: ask their owners


class _Deferred:
    """The caller's unit of work with commit() put off, so several services commit as one."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __getattr__(self, name):
        return getattr(self._uow, name)

    def commit(self) -> None:
        """The outer service commits once everything is in place."""


class _WithPlan:
    """The engine, with the plan's legs added to the route report it stores."""

    def __init__(self, matcher: Matcher, plan: dict) -> None:
        self._matcher, self._plan = matcher, plan

    def match_site(self, request: SiteRequest) -> dict:
        raise ValidationFailed("geometry", "a planned route is a LineString")

    def match_route(self, request: RouteRequest) -> dict:
        return {**self._matcher.match_route(request), "plan": self._plan}


def _stored_leg(leg: dict) -> dict:
    keep = ["type", "length_m", "cost"]
    if leg["type"] == "reuse":
        keep += ["sensitivity", "sharing_mode"]
        if leg["sensitivity"] == Sensitivity.PUBLIC:
            keep += ["asset_id", "owner_id", "owner_name", "kind"]
    elif "crossings" in leg:  # new trench across rail lines or major roads
        keep.append("crossings")
    return {k: leg[k] for k in keep}


def _stored_plan(report: dict) -> dict:
    return {
        "legs": [_stored_leg(leg) for leg in report["legs"]],
        "total": report["total"],
        "baseline": report["baseline"],
        "saving": report["saving"],
        "request": report["request"],
    }


def _route(shown: dict) -> BaseGeometry:
    """The shown legs joined into one LineString (hidden legs bridged straight)."""
    points: list[list[float]] = []
    for leg in shown["legs"]:
        for point in (leg["geometry"] or {}).get("coordinates", []):
            if not points or point != points[-1]:
                points.append(point)
    if len(points) < 2:
        raise ValidationFailed("to", "the planned route has no length to build")
    return parse_geojson({"type": "LineString", "coordinates": points}, "geometry")


def save_plan(
    uow: UnitOfWork,
    matcher: Matcher,
    request: PlanRequest,
    *,
    purpose: str,
    file_share_requests: bool,
    grid_m: float = 100.0,
    requester_org_id: int | None = None,
    hold: dt.timedelta = DEFAULT_HOLD,
    calendar: Calendar | None = None,
) -> PlanSaved:
    """Plan, store the plan as a route build request, and (if asked) file its share requests."""
    report = planner.plan(matcher, request)
    shown, _ = planner.redact_plan(lambda: nullcontext(uow.session), uow.actor, report, grid_m)
    br = submit_build_request(
        _Deferred(uow),
        _WithPlan(matcher, _stored_plan(report)),
        geometry=_route(shown),
        needs=dict(request.needs),
        purpose=purpose,
        corridor_m=PLAN_CORRIDOR_M,
        requester_org_id=requester_org_id,
        calendar=calendar,
    )
    filed, unfiled = [], 0
    if file_share_requests:
        filed, unfiled = _file(uow, br, request, report, shown, purpose, hold, calendar)
    uow.commit()
    log.info("plan saved as build request %d with %d share requests", br.id, len(filed))
    return PlanSaved(br, tuple(filed), unfiled)


def _file(uow, br, request, report, shown, purpose, hold, calendar):
    """One share request per reused asset of another owner the requester may see;
    returns (the requests, how many reuse legs were hidden from the requester)."""
    ((resource, units),) = request.needs.items()
    filed, seen, unfiled = [], set(), 0
    for leg, seen_leg in zip(report["legs"], shown["legs"], strict=True):
        if leg["type"] != "reuse" or leg["asset_id"] in seen or leg["owner_id"] == br.requester_id:
            continue  # one request per asset; one's own ducts need no request
        seen.add(leg["asset_id"])
        if seen_leg.get("hidden"):
            unfiled += 1
            continue
        ask = UnitAsk(asset_id=leg["asset_id"], resource=resource, count=units)
        filed.append(
            place_share_request(uow, br.requester_id, ask, purpose, hold=hold,
                                calendar=calendar, build_request_id=br.id)
        )  # fmt: skip
    return filed, unfiled
