"""Authentication is cached per process; a revocation reaches every process at once."""

from __future__ import annotations

from sqlalchemy import event


def _app(database_url):
    from api import create_app

    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t"})


def _get(app, token):
    return app.test_client().get(
        "/api/v1/organisations", headers={"Authorization": f"Bearer {token}"}
    )


def _statements(app):
    seen = []
    engine = app.extensions["infrashare"].engine
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_a_warm_request_reads_the_feed_once_instead_of_the_token(app, make_token):
    token = make_token()
    assert _get(app, token).status_code == 200
    seen = _statements(app)
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
