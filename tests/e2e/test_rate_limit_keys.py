"""Rate limits count per token for authenticated calls and per client address otherwise,
trust X-Forwarded-For only from configured proxies, and hold across worker processes."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.access.tokens import create_token
from registry.db.uow import Actor, UnitOfWork


def _app(database_url, **config):
    from api import create_app

    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t", **config})


def _token(app, org="InfraShare Administration"):
    factory = app.extensions["infrashare"].session_factory
    with UnitOfWork(factory, Actor.system("test")) as uow:
        token, _ = create_token(uow, org, "admin", dt.timedelta(days=1))
    return token


@pytest.fixture
def limited(database_url):
    app = _app(database_url, RATELIMIT_DEFAULT="3 per minute")
    yield app
    app.extensions["infrashare"].engine.dispose()


def _get(client, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.get("/api/v1/assets", headers=headers).status_code


def test_two_tokens_behind_one_address_have_a_budget_each(limited):
    client = limited.test_client()
    first, second = _token(limited, "Org A"), _token(limited, "Org B")
    assert [_get(client, first) for _ in range(3)] == [200] * 3
    assert _get(client, first) == 429
    assert [_get(client, second) for _ in range(3)] == [200] * 3


def test_a_wrong_token_counts_against_the_address(limited):
    client = limited.test_client()
    assert [_get(client, "isk_guess") for _ in range(3)] == [401] * 3
    assert _get(client, "isk_another_guess") == 429
    assert _get(client) == 429  # the anonymous budget is the same address's


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(limited):
    client = limited.test_client()
    statuses = [_get(client, **{"X-Forwarded-For": f"10.0.0.{i}"}) for i in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(database_url):
    app = _app(database_url, RATELIMIT_DEFAULT="2 per minute", TRUSTED_PROXIES=("127.0.0.1",))
    client = app.test_client()
    a = [_get(client, **{"X-Forwarded-For": "203.0.113.7"}) for _ in range(3)]
    b = _get(client, **{"X-Forwarded-For": "203.0.113.7, 198.51.100.9"})
    spoofed = _get(client, **{"X-Forwarded-For": "198.51.100.9, 127.0.0.1"})
    assert a == [401, 401, 429]
    assert b == 401  # the right-most untrusted hop is another client
    assert spoofed == 401  # ...and the trusted proxy hop is skipped, not believed as client
    app.extensions["infrashare"].engine.dispose()


# The file stores the workers of one host can share: shared memory (the server's) and SQLite.
FILE_STORES = ("shmfile://{}/ratelimit.shm", "sqlitefile://{}/ratelimit.sqlite")


@pytest.mark.parametrize("store_uri", FILE_STORES)
def test_two_workers_share_one_budget_through_the_file_store(database_url, tmp_path, store_uri):
    store = store_uri.format(tmp_path)
    apps = [
        _app(database_url, RATELIMIT_DEFAULT="4 per minute", RATELIMIT_STORAGE_URI=store)
        for _ in range(2)
    ]
    clients = [a.test_client() for a in apps]
    statuses = [_get(clients[i % 2]) for i in range(5)]
    assert statuses == [401] * 4 + [429]
    for a in apps:
        a.extensions["infrashare"].engine.dispose()


@pytest.mark.parametrize("store_uri", FILE_STORES)
def test_a_broken_limit_store_lets_requests_through_rather_than_500(
    database_url, tmp_path, store_uri
):
    store = store_uri.format(tmp_path / "missing-dir")
    app = _app(database_url, RATELIMIT_DEFAULT="1 per minute", RATELIMIT_STORAGE_URI=store)
    client = app.test_client()
    assert [_get(client) for _ in range(3)] == [401] * 3
    app.extensions["infrashare"].engine.dispose()
