"""Match endpoints: POST a planned site or route, get ranked, explained share candidates."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import app_context, current_actor, read_session
from api.match.schemas import RouteMatchSchema, SiteMatchSchema
from registry.access.report_visibility import redact_report

blp = Blueprint(
    "match",
    __name__,
    url_prefix="/match",
    description="Share before you build: candidates for a planned site or route",
)


def shown_to_caller(report: dict) -> dict:
    """The report as the caller may see it (the access module audits what grants revealed)."""
    grid_m = current_app.config["MASK_GRID_M"]
    return redact_report(read_session, current_actor(), report, grid_m)[0]


@blp.route("/site")
class SiteMatch(MethodView):
    @blp.arguments(SiteMatchSchema)
    @blp.response(200)
    def post(self, body):
        """Rank existing towers, rooftops and poles that could host a planned site"""
        return shown_to_caller(app_context().matcher.match_site(body))


@blp.route("/route")
class RouteMatch(MethodView):
    @blp.arguments(RouteMatchSchema)
    @blp.response(200)
    def post(self, body):
        """Find ducts, cables and pole routes along a planned route, with coverage and gaps"""
        return shown_to_caller(app_context().matcher.match_route(body))
