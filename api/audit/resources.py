"""Audit endpoint: read-only history of state changes (the log has no write path)."""

from __future__ import annotations

from flask.views import MethodView

from api.audit.schemas import AuditListSchema, AuditQueryArgsSchema
from api.context import current_actor, read_session
from api.pagination import PagedBlueprint
from registry.history import audit

blp = PagedBlueprint(
    "audit",
    __name__,
    url_prefix="/audit",
    description="Who changed what, when, from which state to which, and why",
)


@blp.route("")
class Audit(MethodView):
    @blp.arguments(AuditQueryArgsSchema, location="query")
    @blp.response(200, AuditListSchema)
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """The history of one object (object=share_request:12), oldest first"""
        page = pagination_parameters
        object_type, object_id = args.get("object_type"), args.get("object_id")
        if "object" in args:
            object_type, object_id = audit.parse_object(args["object"])
        with read_session() as session:
            items, page.item_count = audit.history(
                session, current_actor(), object_type, object_id, page.limit, page.offset
            )
        return items
