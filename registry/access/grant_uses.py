"""Grant-use auditing in one place: every disclosure a grant made is noted, then written once.

The disclosure functions (registry.access.visibility.disclose, the report redaction) note
each asset that an access grant, and nothing else, revealed into the *current ledger*. The
composition root opens one ledger per request (`audited`) and writes it when the request
ends, so no read path can forget the audit: a new endpoint that discloses through the access
module is audited without a line of its own. Work outside any ledger (a CLI job) is logged
as an error, never silently dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger(__name__)


class GrantUses:
    """{grant id: asset ids it revealed} for one request (or one streamed export)."""

    def __init__(self) -> None:
        self._uses: dict[int, set[int]] = {}

    def note(self, grant_id: int, asset_id: int) -> None:
        self._uses.setdefault(grant_id, set()).add(asset_id)

    def __bool__(self) -> bool:
        return bool(self._uses)

    def as_dict(self) -> dict[int, list[int]]:
        return {g: sorted(ids) for g, ids in sorted(self._uses.items())}


_current: ContextVar[GrantUses | None] = ContextVar("infrashare_grant_uses", default=None)


def note(grant_id: int, asset_id: int) -> None:
    """Record that a grant revealed this asset to the current reader."""
    ledger = _current.get()
    if ledger is None:
        log.error("grant %s revealed asset %s outside an audited read", grant_id, asset_id)
        return
    ledger.note(grant_id, asset_id)


def begin() -> GrantUses:
    """Open a fresh ledger for this context (a request); returns it."""
    ledger = GrantUses()
    _current.set(ledger)
    return ledger


def end() -> GrantUses | None:
    """Close the current ledger and return it (None when none was open)."""
    ledger = _current.get()
    _current.set(None)
    return ledger


def record(uow, uses: dict[int, list[int]], where: str) -> None:
    """Write the audit entries: who saw which assets thanks to which grant, and where."""
    for grant_id, asset_ids in sorted(uses.items()):
        uow.audit(
            "access_grant",
            grant_id,
            "use",
            after={"asset_ids": sorted(set(asset_ids)), "where": where},
        )
    uow.commit()


def write(open_uow: Callable, ledger: GrantUses | None, where: str) -> None:
    """Write a ledger (if anything was revealed) in a unit of work from `open_uow()`."""
    if ledger:
        with open_uow() as uow:
            record(uow, ledger.as_dict(), where)


@contextmanager
def audited(open_uow: Callable, where: str) -> Iterator[GrantUses]:
    """A scope whose disclosures are audited when it ends normally (a stream, a CLI job)."""
    previous = _current.get()
    ledger = GrantUses()
    _current.set(ledger)
    try:
        yield ledger
    finally:
        _current.set(previous)
    write(open_uow, ledger, where)
