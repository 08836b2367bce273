"""Decision endpoints: approvers decide build requests; anyone party to them reads the rulings."""

from __future__ import annotations

from flask.views import MethodView

from api import workflow_settings
from api.context import current_actor, read_session, unit_of_work
from api.decisions.schemas import (
    DecisionCreateSchema,
    DecisionListSchema,
    DecisionQueryArgsSchema,
    DecisionSchema,
)
from api.pagination import PagedBlueprint
from registry.workflow import decisions as service
from registry.workflow import queries

blp = PagedBlueprint(
    "decisions",
    __name__,
    url_prefix="/decisions",
    description="Approvers' rulings on build requests: share, build new, reject, ask",
)


@blp.route("")
class Decisions(MethodView):
    @blp.arguments(DecisionQueryArgsSchema, location="query")
    @blp.response(200, DecisionListSchema)
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List decisions, newest first"""
        page = pagination_parameters
        with read_session() as session:
            items, page.item_count = queries.list_decisions(
                session, current_actor(), **args, limit=page.limit, offset=page.offset
            )
        return items

    @blp.arguments(DecisionCreateSchema)
    @blp.response(201, DecisionSchema)
    def post(self, data):
        """Decide a pending build request (require_share opens share requests at once)"""
        with unit_of_work() as uow:
            row = service.decide(
                uow,
                data.pop("build_request_id"),
                data.pop("decision"),
                hold=workflow_settings.hold(),
                calendar=workflow_settings.calendar(),
                **data,
            )
            return row
