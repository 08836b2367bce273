"""Webhooks of the caller's organisation: register, list, read, delete, the delivery log."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView

from api.context import current_actor, read_session, unit_of_work
from api.pagination import PagedBlueprint
from api.webhooks.schemas import (
    DeliveryListSchema,
    WebhookCreateSchema,
    WebhookListSchema,
    WebhookSchema,
)
from registry.notify import webhooks as service

blp = PagedBlueprint(
    "webhooks",
    __name__,
    url_prefix="/webhooks",
    description="Signed JSON events POSTed to your organisation's endpoints",
)


@blp.route("")
class Webhooks(MethodView):
    @blp.response(200, WebhookListSchema)
    def get(self):
        """Your organisation's webhooks (the secret is never shown)"""
        with read_session() as session:
            items = service.list_webhooks(session, current_actor())
        return {"items": items, "total": len(items)}

    @blp.arguments(WebhookCreateSchema)
    @blp.response(201, WebhookSchema)
    def post(self, data):
        """Register a webhook: every new event of your organisation is POSTed to it"""
        with unit_of_work() as uow:
            hook = service.create_webhook(uow, data["url"], data["secret"])
        return hook, 201, {"Location": url_for("webhooks.WebhookById", webhook_id=hook.id)}


@blp.route("/<int:webhook_id>")
class WebhookById(MethodView):
    @blp.response(200, WebhookSchema)
    def get(self, webhook_id):
        """One of your webhooks"""
        with read_session() as session:
            return service.get_webhook(session, current_actor(), webhook_id)

    @blp.response(204)
    def delete(self, webhook_id):
        """Remove a webhook and its delivery log"""
        with unit_of_work() as uow:
            service.delete_webhook(uow, webhook_id)


@blp.route("/<int:webhook_id>/deliveries")
class WebhookDeliveries(MethodView):
    @blp.response(200, DeliveryListSchema)
    @blp.paginate()
    def get(self, webhook_id, pagination_parameters):
        """The delivery log: every event sent to this webhook, newest first"""
        page = pagination_parameters
        with read_session() as session:
            items, page.item_count = service.deliveries(
                session, current_actor(), webhook_id, limit=page.limit, offset=page.offset
            )
        return items
