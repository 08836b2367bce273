"""Match endpoints: POST a planned site or route, get ranked, explained share candidates."""

from __future__ import annotations

from flask import current_app, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import app_context, current_actor, read_session
from api.match.report_schemas import RouteReportSchema, SiteReportSchema
from api.match.schemas import MatchInput, RouteMatchSchema, SiteMatchSchema
from registry.access.report_visibility import redact_report

blp = Blueprint(
    "match",
    __name__,
    url_prefix="/match",
    description="Share before you build: candidates for a planned site or route",
)


# Instances made once: given a class, webargs would build a schema on every request.
SITE_IN, ROUTE_IN = SiteMatchSchema(), RouteMatchSchema()


def shown_to_caller(report: dict):
    """The report as the caller may see it (the access module audits what grants revealed),
    as a JSON response.

    The engine's report is already exactly what the documented schema (SiteReportSchema,
    RouteReportSchema) dumps: the same keys, ints and rounded floats, no other types
    (tests/e2e/test_match_contract_http.py holds it to that byte for byte). So it is encoded
    as is; a marshmallow dump of every candidate cost more than the match itself.
    """
    grid_m = current_app.config["MASK_GRID_M"]
    return jsonify(redact_report(_one_read, current_actor(), report, grid_m)[0])


def _one_read():
    """The redaction's session: a read or two and nothing streamed, so on PostgreSQL each
    runs alone, without BEGIN and ROLLBACK (~90 us of CPU and ~0.7 ms less a report with
    masked candidates; READ COMMITTED gave each statement its own snapshot anyway)."""
    return read_session(each_statement=True)


def deprecation_headers(given: MatchInput) -> dict:
    """Tell a caller that used an old field name which name to send instead."""
    if not given.deprecated:
        return {}
    names = ", ".join(given.deprecated)
    return {"Deprecation": "true", "Warning": f'299 - "{names} is deprecated: send geometry"'}


@blp.route("/site")
class SiteMatch(MethodView):
    @blp.arguments(SITE_IN)
    @blp.response(200, SiteReportSchema)
    def post(self, given: MatchInput):
        """Rank existing towers, rooftops and poles that could host a planned site"""
        report = app_context().matcher.match_site(given.request)
        return shown_to_caller(report), 200, deprecation_headers(given)


@blp.route("/route")
class RouteMatch(MethodView):
    @blp.arguments(ROUTE_IN)
    @blp.response(200, RouteReportSchema)
    def post(self, given: MatchInput):
        """Find ducts, cables and pole routes along a planned route, with coverage and gaps"""
        report = app_context().matcher.match_route(given.request)
        return shown_to_caller(report), 200, deprecation_headers(given)
