"""POST /plan/route: the cheapest way between two points over existing lines and new trench."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from api import workflow_settings
from api.build_requests.resources import _grid_m  # the same masking grid
from api.context import app_context, current_actor, read_session, unit_of_work
from api.plan.schemas import PlanBuildRequestSchema, PlanRouteSchema, PlanSavedSchema, PlanSchema
from registry.engine import planner
from registry.workflow import plans, queries

blp = Blueprint(
    "plan",
    __name__,
    url_prefix="/plan",
    description="Plan a route: reuse what exists, dig only the rest",
)


@blp.route("/route")
class PlanRoute(MethodView):
    @blp.arguments(PlanRouteSchema)
    @blp.response(200, PlanSchema)
    def post(self, body):
        """Plan the cheapest route from A to B over existing lines and new trench"""
        report = planner.plan(app_context().matcher, _plan_request(body))
        # Grant uses are noted by the access module as it discloses (registry.access.grant_uses).
        return planner.redact_plan(read_session, current_actor(), report, _grid_m())[0]


@blp.route("/route/build-request")
class PlanBuildRequest(MethodView):
    @blp.arguments(PlanBuildRequestSchema)
    @blp.response(201, PlanSavedSchema)
    def post(self, body):
        """Save a planned route as a build request; optionally file its share requests too"""
        with unit_of_work() as uow:
            saved = plans.save_plan(
                uow,
                workflow_settings.matcher(),
                _plan_request(body),
                purpose=body["purpose"],
                file_share_requests=body["file_share_requests"],
                grid_m=_grid_m(),
                hold=workflow_settings.hold(),
                calendar=workflow_settings.calendar(),
            )
            br_id = saved.build_request.id
            share_ids = [sr.id for sr in saved.share_requests]
        with read_session() as session:
            detail = queries.build_request_detail(session, current_actor(), br_id, _grid_m())[0]
        location = url_for("build_requests.BuildRequestById", request_id=br_id)
        out = {"build_request": detail, "share_request_ids": share_ids,
               "unfiled_legs": saved.unfiled_legs}  # fmt: skip
        return out, 201, {"Location": location}


def _plan_request(body: dict):
    return planner.plan_request(
        body["start"],
        body["end"],
        body["needs"],
        body["max_detour"],
        body["alternatives"],
        body["constraints"],
    )
