"""POST /plan/route: the cheapest way between two points over existing lines and new trench."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import app_context, current_actor, read_session, unit_of_work
from api.plan.schemas import PlanRouteSchema, PlanSchema
from registry.access.grants import record_uses
from registry.engine import planner

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
        plan_request = planner.plan_request(
            body["start"],
            body["end"],
            body["needs"],
            body["max_detour"],
            body["alternatives"],
            body["constraints"],
        )
        report = planner.plan(app_context().matcher, plan_request)
        shown, uses = planner.redact_plan(
            read_session, current_actor(), report, current_app.config["MASK_GRID_M"]
        )
        if uses:
            with unit_of_work() as uow:
                record_uses(uow, uses, request.path)
        return shown
