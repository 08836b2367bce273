"""The workspace's pages: sign-in, the map and the role pages (shells the ES modules fill)."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from api.context import current_actor, read_session, unit_of_work
from api.web import auth, i18n
from registry.access.web_sessions import sign_in, sign_out
from registry.errors import Unauthenticated
from registry.workflow import build_rows
from registry.workflow.states import MODES_BY_RESOURCE, RejectReason

log = logging.getLogger(__name__)

blp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/ui/static",
)


# The workspace's own requests only: an API call (none of them reads the language) paid a
# hook call and a query-string parse for it.
@blp.after_request
def _remember_language(response):
    return i18n.remember(response)


def page_data(**extra) -> str:
    """What the ES modules need, as JSON in a non-executable <script type=application/json>."""
    actor = current_actor()
    data = {
        "lang": i18n.current_lang(),
        "strings": i18n.js_strings(),
        "actor": {"org_id": actor.org_id, "roles": sorted(actor.roles), "name": actor.name},
        "basemap": current_app.config.get("BASEMAP_STYLE") or "",
        "basemap_attribution": current_app.config.get("BASEMAP_ATTRIBUTION") or "",
        "currency": current_app.config["MATCH_COSTS"].currency,
        "modes_by_resource": {r.value: sorted(m) for r, m in MODES_BY_RESOURCE.items()},
        "reject_reasons": [r.value for r in RejectReason],
        **extra,
    }
    # </ inside a script element would end it; JSON allows \u003c instead.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def render(template: str, title: str, **extra):
    return render_template(template, title=title, page_json=page_data(**extra), **extra)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect after sign-in."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("web.home")
    return target


@blp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; a POST exchanges the token for a session cookie."""
    error, status = None, 200
    if request.method == "POST":
        if not auth.login_form_ok():
            error, status = _("The form had expired; please sign in again."), 400
        else:
            try:
                with unit_of_work() as uow:
                    sid, _actor = sign_in(uow, request.form.get("token", "").strip())
            except Unauthenticated:
                log.info("web sign-in refused")
                error, status = _("That token is not valid, has expired or was revoked."), 401
            else:
                response = redirect(_safe_next(request.args.get("next")))
                auth.set_cookie(response, sid, max_age=12 * 3600)
                return response
    nonce = auth.login_nonce()
    page = render_template("login.html", title=_("Sign in"), error=error, login_csrf=nonce)
    response = make_response(page, status)
    auth.set_login_cookie(response, nonce)
    return response


@blp.post("/logout")
def logout():
    sid = auth.session_id()
    if sid:
        with unit_of_work() as uow:
            sign_out(uow, sid)
    response = redirect(url_for("web.login"))
    auth.clear_cookie(response)
    return response


@blp.get("/")
def home():
    return render("map.html", _("Map"), mode="browse")


@blp.get("/find")
def find():
    return render("map.html", _("Find sharing"), mode="find")


@blp.get("/plan")
def plan():
    return render("map.html", _("Plan a route"), mode="plan")


@blp.get("/requests")
def my_requests():
    return render("list.html", _("My requests"), view="my_requests")


@blp.get("/my-assets")
def my_assets():
    return render("list.html", _("My assets"), view="my_assets")


@blp.get("/import")
def import_page():
    return render("import.html", _("Import"), view="import")


@blp.get("/incoming")
def incoming():
    return render("list.html", _("Incoming share requests"), view="incoming")


@blp.get("/grants")
def grants():
    return render("map.html", _("Access grants"), mode="grants")


@blp.get("/queue")
def queue():
    return render("list.html", _("Approval queue"), view="queue")


@blp.get("/build-requests/<int:request_id>")
def build_request(request_id):
    _require_visible(request_id)
    return render("build_request.html", _("Build request"), request_id=request_id, printable=False)


@blp.get("/build-requests/<int:request_id>/print")
def build_request_print(request_id):
    _require_visible(request_id)
    return render("build_request.html", _("Build request"), request_id=request_id, printable=True)


def _require_visible(request_id: int) -> None:
    """A page naming a build request the caller may not see is a 404, as the API answers:
    the page's shell must not confirm that the request exists."""
    with read_session() as session:
        build_rows.visible_build_request(session, current_actor(), request_id)


@blp.get("/kpis")
def kpis():
    return render("kpis.html", _("Sharing KPIs"), view="kpis")


@blp.get("/inbox")
def inbox():
    return render("kpis.html", _("Inbox"), view="inbox")


def csrf_token() -> str:
    return g.get("csrf_token", "")


blp.add_app_template_global(csrf_token, "csrf_token")

from api.web import admin  # noqa: E402,F401  (admin routes on the same blueprint)


@blp.app_context_processor
def _who():
    actor = current_actor()
    return {"roles": actor.roles, "actor_name": actor.name.split("#")[0]}


@blp.get("/ui/search")
def search():
    """Asset ids whose owner_ref the caller may see and that equal ?ref= exactly."""
    from api.assets.resources import shown_to_caller
    from api.context import read_session
    from registry.inventory.lookup import features_by_owner_ref

    ref = request.args.get("ref", "").strip()
    if not ref:
        return {"ids": []}
    with read_session() as session:
        features = features_by_owner_ref(session, current_actor(), ref)
    shown = shown_to_caller(features, request.path)
    return {"ids": [f["id"] for f in shown if f["properties"].get("owner_ref") == ref]}
