"""Browser sessions: a sign-in exchanges an API token for a random session id kept server-side.

Only the SHA-256 of the session id is stored, with the token it stands for and a CSRF secret.
Each request rebuilds the Actor from the token's row (registry.access.tokens), so revoking or
expiring the token ends its sessions at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.access.models import ApiToken
from registry.access.tokens import actor_for_token, authenticate, hash_token
from registry.db.uow import Actor, UnitOfWork
from registry.errors import Unauthenticated
from registry.inventory.models import Base, utcnow

log = logging.getLogger(__name__)

SESSION_HOURS = 12


class WebSession(Base):
    """A signed-in browser: the hash of its cookie, its token, its CSRF secret and expiry."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_id: Mapped[int] = mapped_column(
        sa.ForeignKey("api_token.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def sign_in(uow: UnitOfWork, token: str, hours: float = SESSION_HOURS) -> tuple[str, Actor]:
    """Exchange a valid API token for a new session; returns (session id in clear, actor).

    Raises Unauthenticated for a bad, expired or revoked token. The session never outlives
    its token.
    """
    actor = authenticate(uow.session, token)
    row = uow.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    session_id = secrets.token_urlsafe(32)
    expires = min(utcnow() + dt.timedelta(hours=hours), _aware(row.expires_at))
    uow.session.add(
        WebSession(
            session_hash=_hash(session_id),
            token_id=row.id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=expires,
        )
    )
    # Ended and lapsed sessions are kept a day (for the audit trail's context), then dropped.
    uow.session.execute(
        sa.delete(WebSession).where(WebSession.expires_at < utcnow() - dt.timedelta(days=1))
    )
    uow.audit("api_token", row.id, "web_sign_in", after={"prefix": row.prefix})
    uow.commit()
    return session_id, actor


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def resume(session, session_id: str) -> tuple[Actor, str]:
    """The (actor, CSRF token) of a live session, or Unauthenticated."""
    row = session.execute(
        sa.select(WebSession.token_id, WebSession.csrf_token, WebSession.expires_at).where(
            WebSession.session_hash == _hash(session_id), WebSession.ended_at.is_(None)
        )
    ).first()
    if row is None or _aware(row.expires_at) <= utcnow():
        raise Unauthenticated("the session has ended; sign in again")
    return actor_for_token(session, ApiToken.id == row.token_id), row.csrf_token


def sign_out(uow: UnitOfWork, session_id: str) -> None:
    """End a session (idempotent)."""
    uow.session.execute(
        sa.update(WebSession)
        .where(WebSession.session_hash == _hash(session_id), WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    uow.commit()
