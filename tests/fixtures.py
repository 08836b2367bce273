"""Shared pytest fixtures: a fresh database per test on each backend, apps, live servers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import requests
from werkzeug.serving import make_server

from registry.access.tokens import create_token
from registry.db.engine import make_engine, make_session_factory
from registry.db.uow import Actor, UnitOfWork
from tests.backends import BACKENDS, PostgisDatabase, SpatiaLiteTemplate, postgres_url


@pytest.fixture(scope="session")
def _spatialite_template(tmp_path_factory):
    return SpatiaLiteTemplate(tmp_path_factory.mktemp("spatialite"))


@pytest.fixture(scope="session")
def _postgis_database():
    return PostgisDatabase(postgres_url())


@pytest.fixture(params=BACKENDS)
def database_url(request):
    """A URL to an empty, migrated database; the test runs once per backend."""
    if request.param == "spatialite":
        return request.getfixturevalue("_spatialite_template").fresh_url()
    return request.getfixturevalue("_postgis_database").fresh_url()


@pytest.fixture
def engine(database_url):
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine):
    return make_session_factory(engine)


@pytest.fixture
def actor():
    return Actor.system("test")


@pytest.fixture
def app(database_url):
    from api import create_app
    from api.extensions import PROBE_LOG

    application = create_app(
        {"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret"}
    )
    yield application
    # Probe records queued by this test are written now, not by the flusher thread after the
    # next test has emptied the shared database (they would land in its audit log).
    probe_log = application.extensions.get(PROBE_LOG)
    if probe_log is not None:
        probe_log.flush()
    application.extensions["infrashare"].engine.dispose()


@pytest.fixture
def make_token(app):
    """make_token(org, role, scope="write", expires=timedelta(days=1)) -> bearer token."""

    def _make(
        org="InfraShare Administration",
        role="admin",
        scope="write",
        expires=dt.timedelta(days=1),
        sector="other",
    ):
        factory = app.extensions["infrashare"].session_factory
        with UnitOfWork(factory, Actor.system("test")) as uow:
            token, _ = create_token(uow, org, role, expires, scope, sector=sector)
        return token

    return _make


@pytest.fixture
def admin_token(make_token):
    return make_token()


@pytest.fixture
def client(app, admin_token):
    """A test client that authenticates as an admin unless a test sends its own header."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {admin_token}"
    return test_client


@pytest.fixture
def anonymous_client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on 127.0.0.1 (a free port), for e2e tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def http(admin_token):
    """A requests session that authenticates as an admin."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {admin_token}"
        yield session
