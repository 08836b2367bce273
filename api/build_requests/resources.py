"""Build-request endpoints: submit (matched at once), list, the approver queue, re-match, answer."""

from __future__ import annotations

from flask import current_app, url_for
from flask.views import MethodView

from api import workflow_settings
from api.build_requests.schemas import (
    BuildRequestCreateSchema,
    BuildRequestDetailSchema,
    BuildRequestListSchema,
    BuildRequestQueryArgsSchema,
    MatchReportSchema,
    RespondSchema,
)
from api.context import current_actor, read_session, unit_of_work
from api.pagination import PagedBlueprint
from registry.workflow import build_requests as service
from registry.workflow import queries

blp = PagedBlueprint(
    "build_requests",
    __name__,
    url_prefix="/build-requests",
    description="Planned sites and routes, with the engine's match reports",
)


def _grid_m() -> float:
    return float(current_app.config.get("MASK_GRID_M", 100))


def _detail(request_id: int) -> queries.BuildRequestDetail:
    with read_session() as session:
        return queries.build_request_detail(session, current_actor(), request_id, _grid_m())[0]


@blp.route("")
class BuildRequests(MethodView):
    @blp.arguments(BuildRequestQueryArgsSchema, location="query")
    @blp.response(200, BuildRequestListSchema)
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List build requests, newest first, each with its latest verdict"""
        page = pagination_parameters
        f = queries.BuildFilter(**args, limit=page.limit, offset=page.offset)
        with read_session() as session:
            items, page.item_count = queries.list_build_requests(session, current_actor(), f)
        return items

    @blp.arguments(BuildRequestCreateSchema)
    @blp.response(201, BuildRequestDetailSchema)
    def post(self, data):
        """Submit a planned site or route; the engine matches it at once"""
        with unit_of_work() as uow:
            br = service.submit_build_request(
                uow,
                workflow_settings.matcher(),
                calendar=workflow_settings.calendar(),
                **data,
            )
        location = url_for("build_requests.BuildRequestById", request_id=br.id)
        return _detail(br.id), 201, {"Location": location}


@blp.route("/queue")
class BuildRequestQueue(MethodView):
    @blp.response(200, BuildRequestListSchema)
    @blp.paginate()
    def get(self, pagination_parameters):
        """Approvers: pending build requests, oldest first, with their verdicts"""
        page = pagination_parameters
        with read_session() as session:
            items, page.item_count = queries.approver_queue(
                session, current_actor(), limit=page.limit, offset=page.offset
            )
        return items


@blp.route("/<int:request_id>")
class BuildRequestById(MethodView):
    @blp.response(200, BuildRequestDetailSchema)
    def get(self, request_id):
        """Read one build request with all its match reports and decisions"""
        return _detail(request_id)


@blp.route("/<int:request_id>/rematch")
class BuildRequestRematch(MethodView):
    @blp.response(201, MatchReportSchema)
    def post(self, request_id):
        """Run the engine again; the new report is kept beside the earlier ones"""
        with unit_of_work() as uow:
            row = service.rematch(uow, workflow_settings.matcher(), request_id)
        with read_session() as session:
            return queries.report_view(session, row, current_actor(), _grid_m())[0]


@blp.route("/<int:request_id>/respond")
class BuildRequestRespond(MethodView):
    @blp.arguments(RespondSchema)
    @blp.response(200, BuildRequestDetailSchema)
    def post(self, data, request_id):
        """Requester: answer an approver's question; the decision clock runs again"""
        with unit_of_work() as uow:
            service.respond(uow, request_id, data["answer"])
        return _detail(request_id)
