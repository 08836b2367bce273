"""/healthz, /readyz and /metrics: no token, the index state, per-endpoint counts."""

from __future__ import annotations

from tests.factories import make_org, point_feature


def _site_body():
    return {
        "location": {"type": "Point", "coordinates": [108.3661, 22.8171]},
        "radius_m": 500,
        "needs": {"antenna_mount": 1},
    }


def test_healthz_answers_without_a_token(app):
    r = app.test_client().get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok"}


def test_readyz_is_503_until_the_index_is_loaded_then_reports_the_lag(app):
    client = app.test_client()
    before = client.get("/readyz")
    assert before.status_code == 503
    assert before.json["checks"] == {"database": "ok", "index": "not loaded"}
    assert "Retry-After" in before.headers
    app.extensions["infrashare"].matcher.warm_up()
    after = client.get("/readyz")
    assert after.status_code == 200
    assert after.json["status"] == "ready"
    assert after.json["change_feed_lag"] == 0


def test_readyz_counts_the_changes_the_index_has_not_applied_yet(app, make_token):
    context = app.extensions["infrashare"]
    context.matcher.warm_up()
    org = make_org(context.session_factory)
    token = make_token(org.name, "owner")
    for _ in range(2):
        r = app.test_client().post(
            "/api/v1/assets",
            json=point_feature(org.id),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 201, r.json
    body = app.test_client().get("/readyz").json
    assert body["change_feed_lag"] == body["registry_seq"] - body["index_seq"] > 0


def test_metrics_count_requests_per_endpoint_and_time_matches(app, make_token):
    token = make_token()
    client = app.test_client()
    for _ in range(3):
        r = client.post(
            "/api/v1/match/site", json=_site_body(), headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert (
        'infrashare_http_requests_total{endpoint="match.SiteMatch",method="POST",status="200"} 3.0'
        in text
    )
    assert 'infrashare_match_duration_seconds_count{kind="site"} 3.0' in text
    assert "infrashare_index_assets 0.0" in text  # an empty registry, index loaded by the match
    assert "infrashare_change_feed_lag 0.0" in text


def test_probes_are_never_rate_limited(database_url):
    from api import create_app

    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "t", "RATELIMIT_DEFAULT": "2/minute"}
    )
    client = app.test_client()
    assert {client.get("/healthz").status_code for _ in range(5)} == {200}
    app.extensions["infrashare"].engine.dispose()
