"""GET /api/v1/kpis: how much sharing and co-building avoided, as JSON or CSV."""

from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import read_session
from api.kpis.schemas import KpiQueryArgsSchema
from registry.planning import kpi_groups, kpis
from registry.planning.kpi_sql import KpiFilter

blp = Blueprint(
    "kpis", __name__, url_prefix="/kpis", description="Sharing KPIs from the workflow history"
)


@blp.route("")
class Kpis(MethodView):
    @blp.arguments(KpiQueryArgsSchema, location="query")
    @blp.response(200, description="The KPIs (and per-group KPIs with group_by); CSV with f=csv")
    def get(self, args):
        """Sharing KPIs for a period, optionally by area, organisation or sector"""
        f = KpiFilter(
            start=args["from_"],
            end=args["to"],
            area=args.get("area"),
            owner_id=args.get("owner_id"),
            sector=args.get("sector"),
        )
        costs = current_app.config["MATCH_COSTS"]
        with read_session() as session:
            total = kpis.compute(session, f, costs)
            groups = None
            if args.get("group_by"):
                groups = kpi_groups.grouped(session, f, args["group_by"], costs)
        if args["f"] == "csv":
            return Response(
                kpi_groups.to_csv(total, groups),
                content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="kpis.csv"'},
            )
        body = {
            "from": f.start.isoformat(),
            "to": f.end.isoformat(),
            "filters": {k: args.get(k) for k in ("owner_id", "sector", "group_by")}
            | {"area": f.area.wkt if f.area is not None else None},
            "kpis": total,
        }
        if groups is not None:
            body["groups"] = groups
        return Response(current_app.json.dumps(body), content_type="application/json")
