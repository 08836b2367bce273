"""One notification round: project the audit log, produce time-based events, deliver."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.db.uow import Actor, UnitOfWork
from registry.notify import delivery, projection, timed


@dataclass
class RoundSummary:
    projected: int
    timed: int
    deliveries: delivery.DeliverySummary

    def line(self) -> str:
        return (
            f"events: {self.projected} from the audit log, {self.timed} time-based; "
            f"webhooks: {self.deliveries.line()}"
        )


def run_once(session_factory, now: dt.datetime | None = None) -> RoundSummary:
    """Everything a notifier does once; safe to repeat (events are produced idempotently)."""
    actor = Actor.system("notify")
    with UnitOfWork(session_factory, actor) as uow:
        projected = projection.project(uow)  # a long backlog is read in batches
    with UnitOfWork(session_factory, actor) as uow:
        produced = timed.produce(uow, now)
    return RoundSummary(projected, produced, delivery.deliver_due(session_factory, now))
