"""Authentication is cached per process; a revocation reaches every process at once."""

from __future__ import annotations

from sqlalchemy import event

from api.auth import cache as cache_module


def _app(database_url):
    from api import create_app

    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t"})


def _get(app, token):
    return app.test_client().get(
        "/api/v1/organisations", headers={"Authorization": f"Bearer {token}"}
    )


def _statements(app, monkeypatch):
    """Every statement the app runs from now on; the feed check goes straight to the
    driver (api.auth.cache.read_feed), so it is noted by name."""
    seen = []
    engine = app.extensions["infrashare"].engine
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    read_feed = cache_module.read_feed

    def noted(engine, since):
        seen.append(cache_module.FEED_CHECK % since)
        return read_feed(engine, since)

    monkeypatch.setattr(cache_module, "read_feed", noted)
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
