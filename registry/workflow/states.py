"""Sharing-workflow vocabulary and state machines as data: states, actions, legal transitions."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from registry.errors import IllegalTransition
from registry.inventory.vocabulary import Resource, SharingMode


class ShareState(enum.StrEnum):
    PENDING = "pending"  # a hold is placed; the owner has to answer
    ACCEPTED = "accepted"  # the hold became an active allocation
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # the hold lapsed before the owner answered
    RELEASED = "released"  # the active allocation ended


class ShareAction(enum.StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    RELEASE = "release"


class BuildState(enum.StrEnum):
    PENDING = "pending"  # awaiting an approver's decision; the clock runs
    INFO_REQUESTED = "info_requested"  # the approver asked for more; the clock is paused
    SHARE_REQUIRED = "share_required"  # decided: share an existing asset instead
    APPROVED = "approved"  # decided: build new
    REJECTED = "rejected"
    CO_BUILD = "co_build"  # decided: built once by one member of a co-build group


class BuildAction(enum.StrEnum):
    REQUIRE_SHARE = "require_share"
    APPROVE_NEW_BUILD = "approve_new_build"
    REJECT = "reject"
    REQUEST_INFO = "request_info"
    RESPOND = "respond"
    # The system's move: a share the decision required was rejected, withdrawn or lapsed.
    SHARE_FELL_THROUGH = "share_fell_through"
    CO_BUILD = "co_build"  # decided on the co-build group (registry.planning), not one request


class DecisionKind(enum.StrEnum):
    """An approver's decisions: the build-request actions other than the requester's answer."""

    REQUIRE_SHARE = "require_share"
    APPROVE_NEW_BUILD = "approve_new_build"
    REJECT = "reject"
    REQUEST_INFO = "request_info"


class RejectReason(enum.StrEnum):
    NO_CAPACITY = "no_capacity"
    TECHNICALLY_UNSUITABLE = "technically_unsuitable"
    SAFETY = "safety"
    SECURITY_CRITICAL_INFRASTRUCTURE = "security_critical_infrastructure"
    RESERVED_FOR_OWN_PLAN = "reserved_for_own_plan"
    OTHER = "other"


# Which sharing modes make sense for units of each resource; anything else is a 422.
MODES_BY_RESOURCE: Mapping[Resource, frozenset[SharingMode]] = MappingProxyType(
    {
        Resource.ANTENNA_MOUNT: frozenset({SharingMode.CO_LOCATION}),
        Resource.ATTACHMENT: frozenset(
            {SharingMode.CO_LOCATION, SharingMode.SAME_POLE_ROUTE_SEPARATE_CABLE}
        ),
        Resource.SUBDUCT: frozenset({SharingMode.SAME_TRENCH_SEPARATE_DUCT}),
        Resource.FIBER_CORE: frozenset(
            {
                SharingMode.SAME_CABLE_SEPARATE_CORES,
                SharingMode.CORE_LEASE,
                SharingMode.CORE_SWAP,
            }
        ),
    }
)

SHARE_TRANSITIONS: Mapping[tuple[ShareState, ShareAction], ShareState] = MappingProxyType(
    {
        (ShareState.PENDING, ShareAction.ACCEPT): ShareState.ACCEPTED,
        (ShareState.PENDING, ShareAction.REJECT): ShareState.REJECTED,
        (ShareState.PENDING, ShareAction.WITHDRAW): ShareState.WITHDRAWN,
        (ShareState.PENDING, ShareAction.EXPIRE): ShareState.EXPIRED,
        (ShareState.ACCEPTED, ShareAction.RELEASE): ShareState.RELEASED,
    }
)

BUILD_TRANSITIONS: Mapping[tuple[BuildState, BuildAction], BuildState] = MappingProxyType(
    {
        (BuildState.PENDING, BuildAction.REQUIRE_SHARE): BuildState.SHARE_REQUIRED,
        (BuildState.PENDING, BuildAction.APPROVE_NEW_BUILD): BuildState.APPROVED,
        (BuildState.PENDING, BuildAction.REJECT): BuildState.REJECTED,
        (BuildState.PENDING, BuildAction.REQUEST_INFO): BuildState.INFO_REQUESTED,
        (BuildState.PENDING, BuildAction.CO_BUILD): BuildState.CO_BUILD,
        # An approver may still refuse a request whose author never answers.
        (BuildState.INFO_REQUESTED, BuildAction.REJECT): BuildState.REJECTED,
        (BuildState.INFO_REQUESTED, BuildAction.RESPOND): BuildState.PENDING,
        # A required share that will not happen hands the request back to the approver.
        (BuildState.SHARE_REQUIRED, BuildAction.SHARE_FELL_THROUGH): BuildState.PENDING,
    }
)

SHARE_FINAL = frozenset(
    {ShareState.REJECTED, ShareState.WITHDRAWN, ShareState.EXPIRED, ShareState.RELEASED}
)
BUILD_OPEN = frozenset({BuildState.PENDING, BuildState.INFO_REQUESTED})
# Decided for good (a co-build decision too: the group is built once, the members are its
# tenants). share_required is not among them: its share may still fall through.
BUILD_FINAL = frozenset({BuildState.APPROVED, BuildState.REJECTED, BuildState.CO_BUILD})


def next_state(table: Mapping, what: str, current: str, action: str) -> str:
    """The state after `action`, or IllegalTransition (409) naming the current state."""
    key = (current, action)
    if key not in table:
        allowed = sorted(str(a) for s, a in table if s == current)
        hint = f" (possible now: {', '.join(allowed)})" if allowed else " (it is final)"
        raise IllegalTransition(
            f"{what} is {current}; {action} is not possible{hint}",
            field="state",
            current_state=str(current),
        )
    return str(table[key])


def share_next(what: str, current: str, action: str) -> str:
    """Next state of a share request."""
    return next_state(SHARE_TRANSITIONS, what, ShareState(current), ShareAction(action))


def build_next(what: str, current: str, action: str) -> str:
    """Next state of a build request."""
    return next_state(BUILD_TRANSITIONS, what, BuildState(current), BuildAction(action))
