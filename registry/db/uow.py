"""Unit of work: one transaction, its actor, its change-feed entries and its audit entries."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from registry.inventory.models import AuditEntry, Change, utcnow

log = logging.getLogger(__name__)

# Any constant works; it names the lock that orders change-feed appends on PostgreSQL.
FEED_LOCK_KEY = 0x1F5_EED


@dataclass(frozen=True)
class Actor:
    """Who acts: an organisation (or the system), with its roles."""

    name: str
    org_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    grants: tuple = ()  # live GrantScope objects (registry.access.visibility)
    scope: str = "write"  # a token's scope: "read" or "write"
    # An approver's area (shapely); None means no limit (a national regulator).
    jurisdiction: object = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The actor for CLI jobs, seeding and migrations."""
        return cls(name=name, roles=frozenset({"admin"}))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


class UnitOfWork:
    """Wraps one session: `with UnitOfWork(factory, actor) as uow: ...; uow.commit()`.

    Leaving the block without commit() rolls everything back, so a service that raises
    half-way never leaves a partial write.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        actor: Actor,
        request_id=None,
        clock: Callable[[], dt.datetime] = utcnow,
    ):
        self._factory = session_factory
        self.actor = actor
        self.request_id = request_id
        self.clock = clock
        self.session: Session | None = None
        self._changes: list[dict] = []

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self._changes = []
        return self

    def __exit__(self, *exc) -> None:
        assert self.session is not None
        self.session.rollback()
        self.session.close()
        self.session = None

    def now(self) -> dt.datetime:
        """The time, as this unit of work's clock tells it (tests inject a fixed one)."""
        return self.clock()

    def changed(self, asset_id: int, entity: str, op: str) -> None:
        """Queue a change-feed entry; it is appended, in order, when the work commits."""
        self._changes.append({"asset_id": asset_id, "entity": entity, "op": op, "at": utcnow()})

    def audit(self, object_type, object_id, action, before=None, after=None, reason=None):
        """Append an audit entry in this transaction."""
        self.session.add(
            AuditEntry(
                actor=self.actor.name,
                request_id=self.request_id,
                object_type=object_type,
                object_id=str(object_id),
                action=action,
                before=before,
                after=after,
                reason=reason,
            )
        )

    def commit(self) -> None:
        """Append the queued feed entries and commit as one transaction."""
        session = self.session
        session.flush()
        if self._changes:
            lock_feed(session)
            session.execute(sa.insert(Change), self._changes)
        session.commit()
        self._changes = []


def lock_feed(session: Session) -> None:
    """Make sequence order equal commit order, so a reader that has seen seq N has seen all < N.

    PostgreSQL hands out sequence numbers at insert time, and two transactions can commit in
    the other order; a transaction-scoped advisory lock taken just before appending closes
    that gap. SQLite already serialises writers (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(FEED_LOCK_KEY)))
