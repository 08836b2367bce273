"""Faults: the database gone (503, then recovery without a restart), a worker killed in the
middle of a share request (no partial hold), SpatiaLite's disk full (a clear 507)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.access.tokens import create_token
from registry.db.uow import Actor, UnitOfWork
from registry.inventory.models import Allocation
from registry.workflow.models import ShareRequest
from tests.backends import postgres_url
from tests.factories import make_org, point_feature
from tests.workflow_factories import make_cable, make_parties, request_share

PROJECT = Path(__file__).resolve().parents[2]


def _app(url, **config):
    from api import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "t", **config})


def _assert_unavailable(response):
    assert response.status_code == 503
    assert response.json["status"] == "database_unavailable"
    assert set(response.json) == {"code", "status", "message", "errors"}
    assert int(response.headers["Retry-After"]) > 0


def test_a_dead_postgres_socket_is_503_with_retry_after(tmp_path):
    postgres_url()  # skip (laptop) or fail (CI) without the private cluster, like the others
    app = _app(f"postgresql+psycopg://nobody@/none?host={tmp_path}&port=1")
    client = app.test_client()
    _assert_unavailable(client.get("/api/v1/assets", headers={"Authorization": "Bearer isk_x"}))
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def _admin_token(app) -> str:
    factory = app.extensions["infrashare"].session_factory
    with UnitOfWork(factory, Actor.system("test")) as uow:
        token, _ = create_token(uow, "InfraShare Administration", "admin", dt.timedelta(days=1))
    return token


def test_postgres_going_away_is_503_and_the_app_recovers_by_itself(_postgis_database):
    url = sa.make_url(_postgis_database.fresh_url())
    app = _app(url.render_as_string(hide_password=False))
    token = _admin_token(app)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    assert client.get("/api/v1/assets", headers=headers).status_code == 200
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = url.database
    with admin.connect() as conn:
        try:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": name},
            )
            _assert_unavailable(client.get("/api/v1/assets", headers=headers))
            _assert_unavailable(client.get("/api/v1/assets", headers=headers))
        finally:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
    assert client.get("/api/v1/assets", headers=headers).status_code == 200
    app.extensions["infrashare"].engine.dispose()
    admin.dispose()
    # Every backend of the database was terminated, the fixture's own pooled connection too:
    # a test starting within its idle-ping interval (PING_IDLE_S) would get it, dead.
    _postgis_database.engine.dispose()


@pytest.fixture
def spatialite_url(_spatialite_template):
    return _spatialite_template.fresh_url()


def test_an_unopenable_spatialite_file_is_503_and_the_app_recovers(spatialite_url):
    app = _app(spatialite_url)
    path = Path(sa.make_url(spatialite_url).database)
    client = app.test_client()
    assert client.get("/readyz").status_code == 503  # index not loaded yet, database fine
    assert client.get("/readyz").json["checks"]["database"] == "ok"
    aside = path.with_suffix(".aside")
    path.rename(aside)
    path.mkdir()  # a directory where the file was: SQLite cannot open it
    app.extensions["infrashare"].engine.dispose()  # as after a connection error: reconnect
    try:
        _assert_unavailable(client.get("/api/v1/assets", headers={"Authorization": "Bearer isk_x"}))
        assert client.get("/readyz").json["checks"]["database"] == "unreachable"
    finally:
        path.rmdir()
        aside.rename(path)
    assert client.get("/readyz").json["checks"]["database"] == "ok"
    app.extensions["infrashare"].engine.dispose()


def test_a_full_spatialite_disk_is_a_clear_507(spatialite_url):
    app = _app(spatialite_url)
    context = app.extensions["infrashare"]
    org = make_org(context.session_factory)
    factory = context.session_factory
    with UnitOfWork(factory, Actor.system("test")) as uow:
        token, _ = create_token(uow, org.name, "owner", dt.timedelta(days=1))
    engine = context.engine
    engine.dispose()

    @sa.event.listens_for(engine, "connect")
    def _no_room(dbapi_conn, _record):
        # An honest disk full: SQLite may not grow the file by one more page.
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count = {pages}")
        cur.close()

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    answer = None
    for _ in range(2000):  # each asset takes a little room; a page fills after some dozens
        answer = client.post("/api/v1/assets", json=point_feature(org.id), headers=headers)
        if answer.status_code != 201:
            break
    assert answer.status_code == 507, answer.json
    full = [answer]
    assert full[0].json["status"] == "storage_full"
    assert "disk is full" in full[0].json["message"]


def test_a_worker_killed_mid_share_request_leaves_no_hold(database_url, session_factory):
    parties = make_parties(session_factory)
    cable = make_cable(session_factory, parties.owner.org_id)
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fault_child",
            database_url,
            str(cable),
            str(parties.operator.org_id),
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "HELD"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ShareRequest)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Allocation)) == 0
    # The units (and the locks) are free: the same request now succeeds.
    request_id = request_share(
        session_factory, parties.operator, asset_id=cable, resource="fiber_core", units=(1, 2, 3)
    )
    assert request_id > 0
