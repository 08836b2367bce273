"""Languages of the workspace: Flask-Babel with en and zh-CN, chosen by ?lang=, a cookie, or
the browser, and the strings the ES modules need, translated on the server."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import g, request
from flask_babel import Babel, format_currency, format_datetime, format_decimal
from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).parent / "translations"
LANG_COOKIE = "infrashare_lang"
# URL/cookie spelling -> Babel locale (Babel names Simplified Chinese zh_Hans_CN).
LANGUAGES = {"en": "en", "zh-CN": "zh_Hans_CN"}
LANGUAGE_NAMES = {"en": "English", "zh-CN": "简体中文"}


def _wanted() -> str | None:
    asked = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(["en", "zh-CN", "zh"])
    return "zh-CN" if best in ("zh-CN", "zh") else None


def current_lang() -> str:
    """The page's language as the URL spells it (en or zh-CN)."""
    if "lang" not in g:
        g.lang = _wanted() or "en"
    return g.lang


def select_locale() -> str:
    return LANGUAGES[current_lang()]


def remember(response):
    """?lang= switches the language and a cookie remembers it."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, samesite="Lax")
    return response


def init(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_currency=format_currency,
        current_lang=current_lang,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )


# Strings the ES modules show, translated per request and handed over as JSON data.
JS_STRINGS = {
    "kind.tower": _l("Tower"),
    "kind.pole": _l("Pole"),
    "kind.manhole": _l("Manhole"),
    "kind.cabinet": _l("Cabinet"),
    "kind.rooftop": _l("Rooftop"),
    "kind.indoor_system": _l("Indoor system"),
    "kind.duct": _l("Duct"),
    "kind.aerial_route": _l("Aerial route"),
    "kind.fiber_cable": _l("Fiber cable"),
    "class.free": _l("Free"),
    "class.nearly_full": _l("Nearly full"),
    "class.full": _l("Full"),
    "class.unknown": _l("Unknown"),
    "owner.unknown": _l("Unknown owner"),
    "res.antenna_mount": _l("Antenna mounts"),
    "res.attachment": _l("Attachments"),
    "res.subduct": _l("Sub-ducts"),
    "res.fiber_core": _l("Fiber cores"),
    "status.planned": _l("Planned"),
    "status.in_service": _l("In service"),
    "status.decommissioned": _l("Decommissioned"),
    "panel.owner": _l("Owner"),
    "panel.owner_ref": _l("Owner reference"),
    "panel.status": _l("Status"),
    "panel.sensitivity": _l("Sensitivity"),
    "panel.contact": _l("Contact"),
    "panel.capacity": _l("Capacity"),
    "panel.free_of": _l("{free} free of {total}"),
    "panel.masked": _l(
        "This asset is shown masked: its position is coarsened and its details are withheld. "
        "Ask its owner for access."
    ),
    "panel.close": _l("Close"),
    "panel.request_share": _l("Request share"),
    "panel.unit_free": _l("free"),
    "panel.unit_held": _l("held"),
    "chooser.title": _l("Several assets here: choose one"),
    "search.coords": _l("Coordinates read as longitude, latitude"),
    "search.coords_swapped": _l("Coordinates read as latitude, longitude (swapped)"),
    "search.none": _l("Nothing found"),
    "search.asset": _l("Asset"),
    "measure.total": _l("Distance: {m}"),
    "measure.hint": _l("Click points to measure; double-click to finish"),
    "find.running": _l("Matching…"),
    "find.verdict": _l("Verdict"),
    "find.candidates": _l("{n} candidates"),
    "find.hidden": _l("{n} more candidates you may not see; ask their owners"),
    "find.coverage": _l("Covered {covered} of {length} ({ratio})"),
    "find.gaps": _l("Gaps: {n}"),
    "find.saving": _l("Saving"),
    "find.distance": _l("Distance"),
    "find.free": _l("Free"),
    "find.draw_hint": _l("Click to add vertices; double-click to finish the route"),
    "find.site_hint": _l("Click the map where the site is planned"),
    "find.parse_error": _l(
        "Could not read that geometry; paste a GeoJSON LineString or Point, or WKT"
    ),
    "verdict.share": _l("Share"),
    "verdict.partial_share": _l("Partial share"),
    "verdict.co_build": _l("Co-build"),
    "verdict.build_new": _l("Build new"),
    "share.sent": _l("Share request #{id} sent; the owner must answer by {due}"),
    "build.sent": _l("Build request #{id} filed"),
    "error.generic": _l("Something went wrong"),
    "state.pending": _l("Pending"),
    "state.accepted": _l("Accepted"),
    "state.rejected": _l("Rejected"),
    "state.withdrawn": _l("Withdrawn"),
    "state.expired": _l("Expired"),
    "state.released": _l("Released"),
    "state.info_requested": _l("Information requested"),
    "state.share_required": _l("Share required"),
    "state.approved": _l("Approved"),
    "due.overdue": _l("overdue by {d}"),
    "due.left": _l("{d} left"),
    "plan.unavailable": _l("The route planner is not available on this server yet."),
    "plan.leg.reuse": _l("Reuse"),
    "plan.leg.new_trench": _l("New trench"),
    "plan.leg.lateral": _l("Lateral"),
    "plan.total": _l("Total"),
    "plan.baseline": _l("All new (baseline)"),
    "plan.alternative": _l("Alternative {n}"),
    "plan.pick_a": _l("Click the start point A"),
    "plan.pick_b": _l("Click the end point B"),
    "plan.pick_again": _l("Click a new start point A to plan another route"),
    "cross.rail.one": _l("{n} rail line"),
    "cross.rail.many": _l("{n} rail lines"),
    "cross.major_road.one": _l("{n} major road"),
    "cross.major_road.many": _l("{n} major roads"),
    "cross.leg": _l("Crosses {what}: {cost}"),
    "cross.total": _l("including {cost} to cross {what}"),
    "cross.key.rail": _l("Crosses a rail line"),
    "cross.key.major_road": _l("Crosses a major road"),
    "import.done": _l("Imported: {created} created, {updated} updated, {unchanged} unchanged"),
    "import.dry": _l("Dry run: {created} would be created, {updated} updated, {rejected} rejected"),
    "grant.revoked": _l("Grant revoked"),
    "done": _l("Done"),
    "legend.title": _l("Legend"),
    "brkind.site": _l("Site"),
    "brkind.route": _l("Route"),
    "kpis.unavailable": _l("KPIs are not available on this server yet."),
    "inbox.unavailable": _l("The inbox is not available on this server yet."),
    "inbox.read": _l("Read"),
    "inbox.unread": _l("Unread"),
    "kpi.build_requests": _l("Build requests"),
    "kpi.share_verdicts": _l("Share verdicts"),
    "kpi.share_verdict_rate": _l("Share verdict rate"),
    "kpi.builds_avoided": _l("Builds avoided"),
    "kpi.new_tower_sharing_rate": _l("New tower demand met by sharing"),
    "kpi.tenancy_ratio": _l("Tenants per tower"),
    "kpi.trench_m_avoided": _l("Trench avoided (m)"),
    "kpi.saving": _l("Saving"),
    "kpi.co2_t_avoided": _l("CO₂ avoided (t)"),
    "kpi.sla_met_rate": _l("Answered within the SLA"),
    "kpi.median_answer_days": _l("Median answer (days)"),
    "col.id": _l("No."),
    "col.kind": _l("Kind"),
    "col.asset": _l("Asset"),
    "col.state": _l("State"),
    "col.due": _l("Deadline"),
    "col.requester": _l("Requester"),
    "col.purpose": _l("Purpose"),
    "col.units": _l("Units"),
    "col.created": _l("Filed"),
    "col.verdict": _l("Verdict"),
    "col.actions": _l("Actions"),
    "col.owner_ref": _l("Owner reference"),
    "col.status": _l("Status"),
    "col.sensitivity": _l("Sensitivity"),
    "col.free": _l("Free"),
    "col.grantee": _l("Grantee"),
    "col.until": _l("Valid until"),
    "col.kinds": _l("Kinds"),
    "col.when": _l("When"),
    "col.feature": _l("Feature"),
    "col.line": _l("Line"),
    "col.field": _l("Field"),
    "col.who": _l("Who"),
    "col.action": _l("Action"),
    "col.reason": _l("Reason"),
    "br.needs": _l("Needs"),
    "br.requester": _l("Requester"),
    "br.no_report": _l("No stored report."),
    "br.decided": _l("Decision recorded"),
    "decision.require_share": _l("Require sharing"),
    "decision.approve_new_build": _l("Approve new build"),
    "decision.reject": _l("Reject"),
    "decision.request_info": _l("Request more information"),
    "list.share_requests": _l("Share requests"),
    "list.build_requests": _l("Build requests"),
    "list.empty": _l("Nothing here yet."),
    "list.prev": _l("Previous"),
    "list.next": _l("Next"),
    "list.page": _l("{from}–{to} of {total}"),
    "act.accept": _l("Accept"),
    "act.reject": _l("Reject"),
    "act.withdraw": _l("Withdraw"),
    "act.open": _l("Open"),
    "act.revoke": _l("Revoke"),
    "act.agreement": _l("Agreement reference"),
    "act.mode": _l("Sharing mode"),
    "act.reason_code": _l("Reason"),
    "act.reason": _l("Explanation"),
    "act.send": _l("Send"),
    "reason.no_capacity": _l("No capacity"),
    "reason.technically_unsuitable": _l("Technically unsuitable"),
    "reason.safety": _l("Safety"),
    "reason.security_critical_infrastructure": _l("Security: critical infrastructure"),
    "reason.reserved_for_own_plan": _l("Reserved for own plan"),
    "reason.other": _l("Other"),
    "mode.co_location": _l("Co-location"),
    "mode.same_trench_separate_duct": _l("Same trench, separate ducts"),
    "mode.same_pole_route_separate_cable": _l("Same pole route, separate cables"),
    "mode.same_cable_separate_cores": _l("Same cable, separate cores"),
    "mode.core_lease": _l("Core lease"),
    "mode.core_swap": _l("Core swap"),
    "count.zoom": _l("Assets here; click to zoom in"),
}


def js_strings() -> dict[str, str]:
    return {k: str(v) for k, v in JS_STRINGS.items()}
