"""A worker that dies mid-transaction: opens a share request, reports, and waits to be killed.

Run as `python -m tests.fault_child DATABASE_URL ASSET_ID OPERATOR_ORG_ID`. Its commit is
replaced by "flush everything, append the feed entries, print HELD, sleep": the transaction
holds the units (rows written, locks taken) when the parent sends SIGKILL.
"""

from __future__ import annotations

import sys
import time

import sqlalchemy as sa

from registry.db.engine import make_engine, make_session_factory
from registry.db.uow import Actor, UnitOfWork, lock_feed
from registry.inventory.models import Change
from registry.workflow import share_requests
from registry.workflow.share_holds import UnitAsk


def _commit_then_hang(self) -> None:
    self.session.flush()
    if self._changes:
        lock_feed(self.session)
        self.session.execute(sa.insert(Change), self._changes)
    self.session.flush()
    print("HELD", flush=True)
    time.sleep(120)


def main(url: str, asset_id: int, org_id: int) -> None:
    UnitOfWork.commit = _commit_then_hang
    factory = make_session_factory(make_engine(url))
    actor = Actor("China Mobile Nanning/planner", org_id, frozenset({"operator"}))
    with UnitOfWork(factory, actor) as uow:
        ask = UnitAsk(asset_id=asset_id, resource="fiber_core", units=(1, 2, 3))
        share_requests.create_share_request(uow, ask, "killed half-way")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
