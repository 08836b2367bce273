"""Per-app services (engine, sessions) and per-request helpers for views."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.access import grant_uses
from registry.db.engine import read_only, statement_reads
from registry.db.uow import Actor, UnitOfWork


@dataclass
class AppContext:
    """What create_app() builds once and hands to every request."""

    config: dict
    engine: Engine
    session_factory: sessionmaker[Session]
    matcher: object = None  # registry.engine.matcher.Matcher: one index per process


def app_context() -> AppContext:
    return current_app.extensions["infrashare"]


ANONYMOUS = Actor(name="anonymous")


def current_actor() -> Actor:
    """The authenticated actor of this request (anonymous, with no roles, if none)."""
    return g.get("actor") or ANONYMOUS


def unit_of_work() -> UnitOfWork:
    """A unit of work for a write service, carrying the actor and request id."""
    return UnitOfWork(app_context().session_factory, current_actor(), g.get("request_id"))


@contextmanager
def read_session(each_statement: bool = False):
    """A short read-only session; loaded objects stay readable after it closes.

    `each_statement`: no transaction around the reads on PostgreSQL (registry.db.engine's
    read_only), for a view that runs a statement or a few and streams nothing."""
    session = read_only(app_context().session_factory(), each_statement)
    try:
        yield session
    finally:
        session.close()


def list_reads():
    """Reads for a view that runs a statement or a few, each its own transaction, and
    loads no ORM object (registry.db.engine's StatementReads): list pages."""
    return statement_reads(app_context().engine)


def register_grant_audit(app: Flask) -> None:
    """Audit grant uses once per request, whatever the endpoint (registry.access.grant_uses).

    The access module notes every asset a grant revealed while the request runs; a request
    that succeeded writes them as audit entries here. No view records anything itself.
    """

    @app.before_request
    def _open_grant_ledger():
        grant_uses.begin()

    @app.after_request
    def _write_grant_ledger(response):
        ledger = grant_uses.end()
        # Nearly every ledger is empty: test that first, before building the request's path.
        if ledger and response.status_code < 400:
            grant_uses.write(unit_of_work, ledger, request.path)
        return response

    @app.teardown_request
    def _drop_grant_ledger(_exc=None):
        grant_uses.end()
