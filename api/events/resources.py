"""GET /api/v1/events (the inbox) and POST /api/v1/events/read (mark read or unread)."""

from __future__ import annotations

from flask.views import MethodView

from api.context import current_actor, read_session, unit_of_work
from api.events.schemas import (
    EventListSchema,
    EventQueryArgsSchema,
    MarkReadResultSchema,
    MarkReadSchema,
)
from api.pagination import PagedBlueprint
from registry.notify import inbox, projection

blp = PagedBlueprint(
    "events", __name__, url_prefix="/events", description="Your organisation's inbox of events"
)


@blp.route("")
class Events(MethodView):
    @blp.arguments(EventQueryArgsSchema, location="query")
    @blp.response(200, EventListSchema)
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Your organisation's events, newest first (read, unread or both)"""
        page = pagination_parameters
        with unit_of_work() as uow:
            projection.project(uow)  # the inbox is current: audit entries since the last run
        with read_session() as session:
            items, page.item_count, unread = inbox.list_events(
                session, current_actor(), **args, limit=page.limit, offset=page.offset
            )
        page.other_counts["unread"] = unread
        return items


@blp.route("/read")
class EventsRead(MethodView):
    @blp.arguments(MarkReadSchema)
    @blp.response(200, MarkReadResultSchema)
    def post(self, data):
        """Mark events (given ids, or all) read, or unread with read=false"""
        with unit_of_work() as uow:
            changed = inbox.mark_read(uow, None if data["all"] else data["ids"], data["read"])
        return {"changed": changed}
