"""Admin pages: organisations and tokens (create, list, revoke) through the registry services."""

from __future__ import annotations

import datetime as dt
import logging

from flask import render_template, request
from flask_babel import gettext as _

from api.context import read_session, unit_of_work
from api.web.pages import blp, page_data
from registry.access.tokens import create_token, list_tokens, revoke_token
from registry.errors import RegistryError
from registry.inventory.organisations import create_organisation, list_organisations
from registry.inventory.vocabulary import Role, Sector

log = logging.getLogger(__name__)

MAX_DAYS = 3650


def _days(text: str) -> dt.timedelta:
    try:
        days = int(text)
    except ValueError:
        days = 0
    return dt.timedelta(days=days if 0 < days <= MAX_DAYS else 0)


def _act(form) -> tuple[str | None, str | None]:
    """Run the form's action; returns (a message, a token shown this once)."""
    action = form.get("action")
    with unit_of_work() as uow:
        if action == "create_org":
            org = create_organisation(uow, form.get("name", ""), form.get("sector", "other"))
            return _("Organisation %(name)s created", name=org.name), None
        if action == "create_token":
            token, row = create_token(
                uow,
                form.get("org", "").strip(),
                form.get("role", ""),
                _days(form.get("days", "30")),
                form.get("scope", "write"),
                user_name="web",
                sector=form.get("sector", "other"),
            )
            shown = _(
                "Token %(prefix)s… created; copy it now, it is not shown again", prefix=row.prefix
            )
            return shown, token
    return None, None


def _page(message=None, new_token=None, error=None, status=200):
    with read_session() as session:
        orgs, _total = list_organisations(session, limit=1000)
        tokens = [
            {
                "id": t.id,
                "prefix": t.prefix,
                "org": t.user.organisation.name,
                "user": t.user.name,
                "scope": t.scope,
                "expires_at": t.expires_at,
                "revoked_at": t.revoked_at,
            }
            for t in list_tokens(session)
        ]
    return render_template(
        "admin.html",
        title=_("Organisations and tokens"),
        page_json=page_data(),
        orgs=orgs,
        tokens=tokens,
        sectors=[s.value for s in Sector],
        roles_all=[r.value for r in Role],
        message=message,
        new_token=new_token,
        error=error,
    ), status


@blp.route("/admin", methods=["GET", "POST"])
def admin():
    if request.method == "GET":
        return _page()
    try:
        message, token = _act(request.form)
    except RegistryError as exc:
        return _page(error=str(exc), status=422)
    return _page(message=message, new_token=token)


@blp.post("/admin/tokens/<int:token_id>/revoke")
def revoke_token_page(token_id):
    try:
        with unit_of_work() as uow:
            row = revoke_token(uow, token_id)
    except RegistryError as exc:
        return _page(error=str(exc), status=404)
    return _page(message=_("Token %(prefix)s… revoked", prefix=row.prefix))
