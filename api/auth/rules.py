"""Which roles may call which endpoint: one table, deny by default.

Keys are Flask endpoint names; values map an HTTP method to the roles allowed (admins may do
everything). PUBLIC endpoints need no token. The web
workspace's endpoints (api/web/rules.py) are in the same table and take a session cookie in
place of the bearer token (api/web/auth.py). Object rules (own assets only, requesters see
their own requests, approvers their jurisdiction) are enforced again in the services.
"""

from __future__ import annotations

from api.web.rules import WEB_PUBLIC, WEB_RULES
from api.workflow_rules import WORKFLOW_RULES

ANY = frozenset({"owner", "operator", "approver", "admin"})
OWNER = frozenset({"owner"})
OPERATOR = frozenset({"operator"})
APPROVER = frozenset({"approver"})
ADMIN = frozenset({"admin"})

PUBLIC = frozenset(
    {
        "index",
        "docs_assets",
        "static",
        "api-docs.openapi_json",
        "api-docs.openapi_swagger_ui",
        # Operations: probes and Prometheus scrapes carry no token (api/ops).
        "ops.healthz",
        "ops.readyz",
        "ops.metrics",
        # The open directory is public by design: it lists only what anyone may know.
        "open_directory.Directory",
        *WEB_PUBLIC,
    }
)

ENDPOINT_RULES: dict[str, dict[str, frozenset[str]]] = {
    **WORKFLOW_RULES,
    # The web workspace's pages: the same table; they authenticate by session cookie.
    **WEB_RULES,
    "organisations.Organisations": {"GET": ANY, "POST": ADMIN},
    "organisations.OrganisationById": {"GET": ANY, "PATCH": ADMIN, "DELETE": ADMIN},
    "assets.Assets": {"GET": ANY, "POST": OWNER},
    "assets.AssetById": {"GET": ANY, "PATCH": OWNER, "DELETE": OWNER},
    "assets.AssetByRef": {"PUT": OWNER},
    "assets.AssetCapacity": {"GET": ANY},
    "match.SiteMatch": {"POST": ANY},
    "match.RouteMatch": {"POST": ANY},
    "plan.PlanRoute": {"POST": ANY},
    "plan.PlanBuildRequest": {"POST": OPERATOR},
    "access_grants.AccessGrants": {"GET": OWNER | OPERATOR | APPROVER, "POST": OWNER},
    "access_grants.AccessGrantById": {"GET": OWNER | OPERATOR | APPROVER, "DELETE": OWNER},
    # Interoperability: imports (owners), exports, OGC API - Features and vector tiles (all
    # roles; what each caller sees is filtered by registry.access.visibility).
    "imports.Imports": {"POST": OWNER},
    "exports.AssetExport": {"GET": ANY},
    "ogc.Landing": {"GET": ANY},
    "ogc.Conformance": {"GET": ANY},
    "ogc.Collections": {"GET": ANY},
    "ogc.Collection": {"GET": ANY},
    "ogc.Items": {"GET": ANY},
    "ogc.Item": {"GET": ANY},
    "tiles.VectorTile": {"GET": ANY},
    # Planning together (docs/planning.md): co-build groups are shown to their members and
    # to approvers in whose area they lie; KPIs are aggregates; events and webhooks belong
    # to the caller's organisation; the OFDS export holds what the caller may see in full.
    "co_build.CoBuildGroups": {"GET": ANY},
    "co_build.CoBuildGroupById": {"GET": ANY},
    "co_build.CoBuildDecision": {"POST": APPROVER},
    "kpis.Kpis": {"GET": ANY},
    "events.Events": {"GET": ANY},
    "events.EventsRead": {"POST": ANY},
    "webhooks.Webhooks": {"GET": ANY, "POST": ANY},
    "webhooks.WebhookById": {"GET": ANY, "DELETE": ANY},
    "webhooks.WebhookDeliveries": {"GET": ANY},
    "ofds.OfdsExport": {"GET": ANY},
}

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def allowed_roles(endpoint: str, method: str) -> frozenset[str] | None:
    """The roles allowed, or None when the endpoint/method has no rule (then: deny)."""
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    return ENDPOINT_RULES.get(endpoint, {}).get(method)
