"""Access-grant endpoints: grant, list, read, revoke."""

from flask.views import MethodView

from api.access_grants.schemas import AccessGrantListSchema, AccessGrantSchema
from api.context import current_actor, read_session, unit_of_work
from api.pagination import PagedBlueprint
from registry.access import grants as service

blp = PagedBlueprint(
    "access_grants",
    __name__,
    url_prefix="/access-grants",
    description="Area- and time-limited access to restricted and confidential assets",
)


@blp.route("")
class AccessGrants(MethodView):
    @blp.response(200, AccessGrantListSchema)
    @blp.paginate()
    def get(self, pagination_parameters):
        """List the grants your organisation gave or received"""
        page = pagination_parameters
        with read_session() as session:
            # An organisation's grants are few: page the visible list (access.rules decides it).
            grants = service.list_grants(session, current_actor())
        page.item_count = len(grants)
        return grants[page.offset : page.offset + page.limit]

    @blp.arguments(AccessGrantSchema)
    @blp.response(201, AccessGrantSchema)
    def post(self, data):
        """Grant an organisation access to your assets inside a polygon, for a time window"""
        with unit_of_work() as uow:
            return service.create_grant(uow, **data)


@blp.route("/<int:grant_id>")
class AccessGrantById(MethodView):
    @blp.response(200, AccessGrantSchema)
    def get(self, grant_id):
        """Read one grant"""
        with read_session() as session:
            return service.get_grant(session, current_actor(), grant_id)

    @blp.response(200, AccessGrantSchema)
    def delete(self, grant_id):
        """Revoke a grant now"""
        with unit_of_work() as uow:
            return service.revoke_grant(uow, grant_id)
