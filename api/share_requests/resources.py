"""Share-request endpoints: ask, list, read; accept, reject, withdraw, release."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView

from api import workflow_settings
from api.context import current_actor, read_session, unit_of_work
from api.pagination import PagedBlueprint
from api.share_requests.schemas import (
    AcceptSchema,
    ReasonSchema,
    RejectSchema,
    ShareRequestCreateSchema,
    ShareRequestListSchema,
    ShareRequestQueryArgsSchema,
    ShareRequestSchema,
)
from registry.workflow import queries
from registry.workflow import share_requests as service
from registry.workflow.share_holds import UnitAsk

blp = PagedBlueprint(
    "share_requests",
    __name__,
    url_prefix="/share-requests",
    description="Requests to take units of an asset, and the owner's answers",
)


def _view(request_id: int) -> queries.ShareRequestView:
    with read_session() as session:
        return queries.visible_share_request(session, current_actor(), request_id)


def _ask(data: dict, asset_id=None, resource=None) -> UnitAsk:
    units = data.get("units")
    return UnitAsk(
        asset_id=asset_id or data["asset_id"],
        resource=resource or data["resource"],
        units=tuple(units) if units is not None else None,
        count=data.get("count"),
        min_height_m=data.get("min_height_m"),
    )


@blp.route("")
class ShareRequests(MethodView):
    @blp.arguments(ShareRequestQueryArgsSchema, location="query")
    @blp.response(200, ShareRequestListSchema)
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List share requests (parties see their own; admins and approvers all)"""
        page = pagination_parameters
        f = queries.ShareFilter(**args, limit=page.limit, offset=page.offset)
        with read_session() as session:
            items, page.item_count = queries.list_share_requests(session, current_actor(), f)
        return items

    @blp.arguments(ShareRequestCreateSchema)
    @blp.response(201, ShareRequestSchema)
    def post(self, data):
        """Ask for units of an asset by number or by count; they are held until answered"""
        swap = data.get("swap")
        with unit_of_work() as uow:
            sr = service.create_share_request(
                uow,
                _ask(data),
                data["purpose"],
                swap=_ask(swap, resource="fiber_core") if swap else None,
                requester_org_id=data.get("requester_org_id"),
                hold=workflow_settings.hold(),
                calendar=workflow_settings.calendar(),
            )
        location = url_for("share_requests.ShareRequestById", request_id=sr.id)
        return _view(sr.id), 201, {"Location": location}


@blp.route("/<int:request_id>")
class ShareRequestById(MethodView):
    @blp.response(200, ShareRequestSchema)
    def get(self, request_id):
        """Read one share request"""
        return _view(request_id)


@blp.route("/<int:request_id>/accept")
class ShareRequestAccept(MethodView):
    @blp.arguments(AcceptSchema)
    @blp.response(200, ShareRequestSchema)
    def post(self, data, request_id):
        """Owner: accept; the held units become an active allocation under the agreement"""
        with unit_of_work() as uow:
            service.accept(uow, request_id, data["agreement_ref"], data.get("sharing_mode"))
        return _view(request_id)


@blp.route("/<int:request_id>/reject")
class ShareRequestReject(MethodView):
    @blp.arguments(RejectSchema)
    @blp.response(200, ShareRequestSchema)
    def post(self, data, request_id):
        """Owner: reject with a coded reason and an explanation; the hold is released"""
        with unit_of_work() as uow:
            service.reject(
                uow,
                request_id,
                data["reason_code"],
                data["reason"],
                calendar=workflow_settings.calendar(),
            )
        return _view(request_id)


@blp.route("/<int:request_id>/withdraw")
class ShareRequestWithdraw(MethodView):
    @blp.arguments(ReasonSchema)
    @blp.response(200, ShareRequestSchema)
    def post(self, data, request_id):
        """Requester: withdraw a pending request; the hold is released"""
        with unit_of_work() as uow:
            service.withdraw(
                uow, request_id, data.get("reason"), calendar=workflow_settings.calendar()
            )
        return _view(request_id)


@blp.route("/<int:request_id>/release")
class ShareRequestRelease(MethodView):
    @blp.arguments(ReasonSchema)
    @blp.response(200, ShareRequestSchema)
    def post(self, data, request_id):
        """Requester or owner: end an accepted share and free its units"""
        with unit_of_work() as uow:
            service.release(uow, request_id, data.get("reason"))
        return _view(request_id)
