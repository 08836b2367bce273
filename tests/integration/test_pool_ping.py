"""PostgreSQL connections: an idle one that the server dropped is replaced at checkout; one
in steady use is not pinged, and its disconnect replaces every pooled connection."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.db import engine as engines
from tests.backends import postgres_url

PID = sa.text("SELECT pg_backend_pid()")


@pytest.fixture
def engine_and_admin():
    url = postgres_url()
    engine, admin = engines.make_engine(url), sa.create_engine(url)
    yield engine, admin
    engine.dispose()
    admin.dispose()


def _terminate(admin, *pids: int) -> None:
    with admin.connect() as conn:
        for pid in pids:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(PID)


def test_an_idle_connection_the_server_dropped_is_replaced_at_checkout(
    engine_and_admin, monkeypatch
):
    engine, admin = engine_and_admin
    dropped = _backend_pid(engine)
    _terminate(admin, dropped)
    monkeypatch.setattr(engines, "PING_IDLE_S", 0.0)  # every pooled connection counts as idle
    assert _backend_pid(engine) != dropped  # no error: pinged, found dead, reconnected


def test_a_busy_connection_is_not_pinged_and_its_disconnect_renews_the_pool(
    engine_and_admin, monkeypatch
):
    engine, admin = engine_and_admin
    monkeypatch.setattr(engines, "PING_IDLE_S", 3600.0)  # never idle long enough to ping
    one, two = engine.connect(), engine.connect()
    pids = {one.scalar(PID), two.scalar(PID)}
    one.close(), two.close()
    _terminate(admin, *pids)
    with pytest.raises(sa.exc.DBAPIError) as failed:  # not pinged: the statement finds out
        _backend_pid(engine)
    assert failed.value.connection_invalidated
    assert _backend_pid(engine) not in pids  # the other pooled connection was renewed too
