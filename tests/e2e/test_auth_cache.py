"""Authentication is cached per process; a revocation reaches every process at once."""

from __future__ import annotations

from sqlalchemy import event

from registry.access import token_feed


def _app(database_url):
    from api import create_app

    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t"})


def _get(app, token):
    return app.test_client().get(
        "/api/v1/organisations", headers={"Authorization": f"Bearer {token}"}
    )


def _statements(app, monkeypatch):
    """Every statement the app runs from now on; the feed reads (the auth check's, the
    index catch-up's) go straight to the driver (registry.access.token_feed), so they are
    noted there."""
    seen = []
    engine = app.extensions["infrashare"].engine
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    read_row = token_feed._read_row

    def noted(engine, sql):
        seen.append(sql)
        return read_row(engine, sql)

    monkeypatch.setattr(token_feed, "_read_row", noted)
    return seen


def test_a_warm_request_reads_the_feed_once_instead_of_the_token(app, make_token, monkeypatch):
    token = make_token()
    assert _get(app, token).status_code == 200
    seen = _statements(app, monkeypatch)
    assert _get(app, token).status_code == 200
    auth_reads = [s for s in seen if "api_token" in s or "change_feed" in s]
    assert len(auth_reads) == 1 and "change_feed" in auth_reads[0]


def test_a_revoked_token_stops_working_in_every_worker(database_url, make_token, app):
    workers = [_app(database_url) for _ in range(2)]
    token = make_token()
    assert [_get(w, token).status_code for w in workers] == [200, 200]  # both cached it
    listing = app.test_cli_runner().invoke(args=["tokens", "list"]).output
    token_id = next(line.split("\t")[0] for line in listing.splitlines() if token[:12] in line)
    revoked = app.test_cli_runner().invoke(args=["tokens", "revoke", token_id])  # another process
    assert revoked.exit_code == 0, revoked.output
    assert [_get(w, token).status_code for w in workers] == [401, 401]
    for w in workers:
        w.extensions["infrashare"].engine.dispose()


def test_a_warm_match_reads_the_change_feed_once_for_authentication_and_catch_up(
    app, make_token, monkeypatch
):
    token = make_token()
    body = {"geometry": {"type": "Point", "coordinates": [108.366, 22.817]}, "radius_m": 300,
            "needs": {"antenna_mount": 1}}  # fmt: skip
    client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/match/site", json=body, headers=auth).status_code == 200
    seen = _statements(app, monkeypatch)
    assert client.post("/api/v1/match/site", json=body, headers=auth).status_code == 200
    assert len([s for s in seen if "change_feed" in s]) == 1


def test_a_match_sees_an_asset_another_worker_wrote_just_before(database_url, app, make_token):
    from tests.factories import point_feature

    token = make_token()  # an admin: may write a tower for any owner, and sees it in full
    auth = {"Authorization": f"Bearer {token}"}
    reader, writer = app, _app(database_url)
    body = {"geometry": {"type": "Point", "coordinates": [108.366, 22.817]}, "radius_m": 300,
            "needs": {"antenna_mount": 1}}  # fmt: skip
    before = reader.test_client().post("/api/v1/match/site", json=body, headers=auth)
    assert before.status_code == 200 and before.json["candidates"] == []
    orgs = writer.test_client().get("/api/v1/organisations", headers=auth).json["items"]
    tower = point_feature(orgs[0]["id"])
    created = writer.test_client().post("/api/v1/assets", json=tower, headers=auth)
    assert created.status_code == 201, created.json
    after = reader.test_client().post("/api/v1/match/site", json=body, headers=auth)
    assert [c["asset_id"] for c in after.json["candidates"]] == [created.json["id"]]
    writer.extensions["infrashare"].engine.dispose()


def test_reads_outside_a_transaction_give_their_connections_back_as_they_came(
    app, make_token, database_url
):
    """The feed check and the near list read without BEGIN on PostgreSQL (autocommit); the
    pool's connections must still begin transactions for the writes that reuse them."""
    token = make_token()
    client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
    near = "/api/v1/assets?near=108.366,22.817&radius_m=500"
    for path in (near, near, "/api/v1/organisations"):  # the last one reads in a transaction
        assert client.get(path, headers=auth).status_code == 200
    engine = app.extensions["infrashare"].engine
    if engine.dialect.name != "postgresql":
        return  # SQLite's connections are always in autocommit: BEGIN is explicit there
    held = [engine.raw_connection() for _ in range(engine.pool.checkedin())]
    try:
        assert held and not any(c.driver_connection.autocommit for c in held)
    finally:
        for c in held:
            c.close()
