"""Organisation endpoints: list, create, read, change, delete."""

from flask.views import MethodView

from api.context import read_session, unit_of_work
from api.organisations.schemas import (
    OrganisationListSchema,
    OrganisationPatchSchema,
    OrganisationQueryArgsSchema,
    OrganisationSchema,
)
from api.pagination import PagedBlueprint
from registry.inventory import organisations as service

blp = PagedBlueprint(
    "organisations",
    __name__,
    url_prefix="/organisations",
    description="Owners, operators and approvers",
)


@blp.route("")
class Organisations(MethodView):
    @blp.arguments(OrganisationQueryArgsSchema, location="query")
    @blp.response(200, OrganisationListSchema)
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List organisations"""
        page = pagination_parameters
        with read_session() as session:
            items, page.item_count = service.list_organisations(
                session, **args, limit=page.limit, offset=page.offset
            )
            return items

    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, data):
        """Create an organisation"""
        with unit_of_work() as uow:
            return service.create_organisation(uow, **data)


@blp.route("/<int:org_id>")
class OrganisationById(MethodView):
    @blp.response(200, OrganisationSchema)
    def get(self, org_id):
        """Read one organisation"""
        with read_session() as session:
            return service.get_organisation(session, org_id)

    @blp.arguments(OrganisationPatchSchema)
    @blp.response(200, OrganisationSchema)
    def patch(self, changes, org_id):
        """Change an organisation's name, sector or contact"""
        with unit_of_work() as uow:
            return service.update_organisation(uow, org_id, changes)

    @blp.response(204)
    def delete(self, org_id):
        """Delete an organisation that owns nothing and holds nothing"""
        with unit_of_work() as uow:
            service.delete_organisation(uow, org_id)
