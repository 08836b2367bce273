"""Who may call the workflow endpoints: entries for api.auth.rules.ENDPOINT_RULES.

Merge them there (`**WORKFLOW_RULES`); this module imports nothing of api.auth, so that
rules.py can import it. Object rules (only the asset's owner answers, only the requester
withdraws, parties see their own requests) are enforced again in the services.
"""

from __future__ import annotations

OWNER = frozenset({"owner"})
OPERATOR = frozenset({"operator"})
APPROVER = frozenset({"approver"})
ANY = frozenset({"owner", "operator", "approver", "admin"})

WORKFLOW_RULES: dict[str, dict[str, frozenset[str]]] = {
    "share_requests.ShareRequests": {"GET": ANY, "POST": OPERATOR},
    "share_requests.ShareRequestById": {"GET": ANY},
    "share_requests.ShareRequestAccept": {"POST": OWNER},
    "share_requests.ShareRequestReject": {"POST": OWNER},
    "share_requests.ShareRequestWithdraw": {"POST": OPERATOR},
    "share_requests.ShareRequestRelease": {"POST": OWNER | OPERATOR},
    "build_requests.BuildRequests": {"GET": ANY, "POST": OPERATOR},
    "build_requests.BuildRequestQueue": {"GET": APPROVER},
    "build_requests.BuildRequestById": {"GET": ANY},
    "build_requests.BuildRequestRematch": {"POST": OPERATOR | APPROVER},
    "build_requests.BuildRequestRespond": {"POST": OPERATOR},
    "decisions.Decisions": {"GET": ANY, "POST": APPROVER},
    "deadlines.Deadlines": {"GET": ANY},
    "audit.Audit": {"GET": ANY},
}
