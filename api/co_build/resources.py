"""Co-build endpoints: list the groups you may see, read one, decide one (approvers)."""

from __future__ import annotations

from flask.views import MethodView

from api.co_build.schemas import (
    CoBuildDecisionSchema,
    CoBuildGroupSchema,
    CoBuildListSchema,
    CoBuildQueryArgsSchema,
)
from api.context import current_actor, read_session, unit_of_work
from api.pagination import PagedBlueprint
from registry.planning import co_build_decision, co_build_queries

blp = PagedBlueprint(
    "co_build",
    __name__,
    url_prefix="/co-build",
    description="Build requests of several organisations that overlap in space and time",
)


def _one(group_id: int) -> co_build_queries.CoBuildGroupView:
    with read_session() as session:
        return co_build_queries.get_group(session, current_actor(), group_id)


@blp.route("")
class CoBuildGroups(MethodView):
    @blp.arguments(CoBuildQueryArgsSchema, location="query")
    @blp.response(200, CoBuildListSchema)
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Co-build groups you are a member of, or that lie in your area (approvers)"""
        page = pagination_parameters
        with read_session() as session:
            items, page.item_count = co_build_queries.list_groups(
                session, current_actor(), limit=page.limit, offset=page.offset, **args
            )
        return items


@blp.route("/<int:group_id>")
class CoBuildGroupById(MethodView):
    @blp.response(200, CoBuildGroupSchema)
    def get(self, group_id):
        """One co-build group"""
        return _one(group_id)


@blp.route("/<int:group_id>/decision")
class CoBuildDecision(MethodView):
    @blp.arguments(CoBuildDecisionSchema)
    @blp.response(201, CoBuildGroupSchema)
    def post(self, data, group_id):
        """Approvers: build once; one member builds, the others hold capacity on it"""
        planned = data.get("planned_date")
        with unit_of_work() as uow:
            co_build_decision.decide_co_build(
                uow,
                group_id,
                data["builder_request_id"],
                data["reason"],
                planned.isoformat() if planned else None,
            )
        return _one(group_id)
