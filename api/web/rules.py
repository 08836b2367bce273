"""Who may open which page of the web workspace: entries for api.auth.rules.ENDPOINT_RULES.

Pages are shells; what they show comes from the JSON API under the same session, so the
object rules (own assets, own requests, jurisdiction, masking) are the API's. This module
imports nothing of api.auth, so that rules.py can import it.
"""

from __future__ import annotations

OWNER = frozenset({"owner"})
OPERATOR = frozenset({"operator"})
APPROVER = frozenset({"approver"})
ADMIN = frozenset({"admin"})
ANY = frozenset({"owner", "operator", "approver", "admin"})

# Signing in, and the static files the sign-in page needs, take no session.
WEB_PUBLIC = frozenset({"web.login", "web.static"})

WEB_RULES: dict[str, dict[str, frozenset[str]]] = {
    "web.logout": {"POST": ANY},
    "web.home": {"GET": ANY},
    "web.find": {"GET": ANY},
    "web.plan": {"GET": ANY},
    "web.my_requests": {"GET": ANY},
    "web.my_assets": {"GET": OWNER},
    "web.import_page": {"GET": OWNER},
    "web.incoming": {"GET": OWNER},
    "web.grants": {"GET": OWNER},
    "web.queue": {"GET": APPROVER},
    "web.build_request": {"GET": ANY},
    "web.build_request_print": {"GET": ANY},
    "web.admin": {"GET": ADMIN, "POST": ADMIN},
    "web.search": {"GET": ANY},
    "web.kpis": {"GET": ANY},
    "web.inbox": {"GET": ANY},
    "web.revoke_token_page": {"POST": ADMIN},
}
