"""Per-app services (engine, sessions) and per-request helpers for views."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.uow import Actor, UnitOfWork


@dataclass
class AppContext:
    """What create_app() builds once and hands to every request."""

    config: dict
    engine: Engine
    session_factory: sessionmaker[Session]


def app_context() -> AppContext:
    return current_app.extensions["infrashare"]


def current_actor() -> Actor:
    """The acting organisation of this request."""
    return getattr(g, "actor", None) or Actor.system("api")


def unit_of_work() -> UnitOfWork:
    """A unit of work for a write service, carrying the actor and request id."""
    return UnitOfWork(app_context().session_factory, current_actor(), g.get("request_id"))


@contextmanager
def read_session():
    """A short read-only session."""
    session = app_context().session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
