"""Deadline endpoint: open requests that are overdue or due within N days."""

from __future__ import annotations

from flask.views import MethodView

from api import workflow_settings
from api.context import current_actor, read_session
from api.deadlines.schemas import DeadlineListSchema, DeadlineQueryArgsSchema
from api.pagination import PagedBlueprint
from registry.workflow.deadlines import due_items

blp = PagedBlueprint(
    "deadlines",
    __name__,
    url_prefix="/deadlines",
    description="SLA clocks: owners answer share requests, approvers decide build requests",
)


@blp.route("")
class Deadlines(MethodView):
    @blp.arguments(DeadlineQueryArgsSchema, location="query")
    @blp.response(200, DeadlineListSchema)
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """What is overdue or due within within_days, soonest first"""
        with read_session() as session:
            items = due_items(
                session,
                current_actor(),
                workflow_settings.calendar(),
                org_id=args.get("org_id"),
                within_days=args["within_days"],
            )
        page = pagination_parameters
        page.item_count = len(items)
        return items[page.offset : page.offset + page.limit]
