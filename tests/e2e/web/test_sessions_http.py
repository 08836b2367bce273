"""Sign-in exchanges a token for a server-side session; CSRF guards every write; sign-out and
revocation end the session."""

from __future__ import annotations

import re

import sqlalchemy as sa

from registry.access.tokens import revoke_token
from registry.access.web_sessions import WebSession
from registry.db.uow import Actor, UnitOfWork

COOKIE = "infrashare_session"


def _form_nonce(client, url="/login") -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def _sign_in(client, token, next_url="/"):
    nonce = _form_nonce(client)
    return client.post(f"/login?next={next_url}", data={"token": token, "csrf_token": nonce})


def _csrf(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


def test_the_map_without_a_session_leads_to_the_sign_in_form(anonymous_client):
    r = anonymous_client.get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    assert anonymous_client.get("/login").status_code == 200


def test_the_json_index_lives_under_api_v1(anonymous_client):
    assert anonymous_client.get("/api/v1/").json["openapi"] == "/api/v1/openapi.json"


def test_sign_in_sets_an_httponly_samesite_cookie_that_is_not_the_token(app, make_token):
    token = make_token("China Mobile Nanning", "operator")
    client = app.test_client()
    r = _sign_in(client, token)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    value = client.get_cookie(COOKIE).value
    assert token not in cookie and value not in _stored_hashes(app)
    assert client.get("/").status_code == 200


def test_behind_https_the_cookie_is_secure(app, make_token):
    client = app.test_client()
    nonce = _form_nonce(client, "https://localhost/login")
    r = client.post(
        "/login", data={"token": make_token(), "csrf_token": nonce}, base_url="https://localhost"
    )
    assert "Secure" in r.headers["Set-Cookie"]


def test_a_bad_token_is_refused_and_sets_no_cookie(app):
    client = app.test_client()
    r = _sign_in(client, "isk_not-a-token")
    assert r.status_code == 401 and client.get_cookie(COOKIE) is None


def test_a_sign_in_form_not_served_to_this_browser_is_refused(app, make_token):
    client = app.test_client()
    r = client.post("/login", data={"token": make_token(), "csrf_token": "forged"})
    assert r.status_code == 400 and client.get_cookie(COOKIE) is None


def test_after_sign_in_only_a_page_of_this_site_is_opened(app, make_token):
    for target in ("//evil.example/x", "https://evil.example/"):
        r = _sign_in(app.test_client(), make_token(), target)
        assert r.headers["Location"] == "/", target


def test_a_write_with_the_session_needs_its_csrf_token(app, make_token):
    client = app.test_client()
    _sign_in(client, make_token("China Mobile Nanning", "operator"))
    without = client.post("/api/v1/share-requests", json={})
    assert without.status_code == 403
    wrong = client.post("/api/v1/share-requests", json={}, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    right = client.post("/api/v1/share-requests", json={}, headers={"X-CSRF-Token": _csrf(client)})
    assert right.status_code == 422  # past the guard: the empty body is what is wrong


def test_sign_out_ends_the_session(app, make_token):
    client = app.test_client()
    _sign_in(client, make_token())
    sid = client.get_cookie(COOKIE).value
    assert client.post("/logout", data={"csrf_token": _csrf(client)}).status_code == 302
    client.set_cookie(COOKIE, sid)  # a copy of the old cookie is worth nothing now
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/assets").status_code == 401


def test_revoking_the_token_ends_its_sessions_at_once(app, make_token):
    client = app.test_client()
    _sign_in(client, make_token("Owner A", "owner"))
    factory = app.extensions["infrashare"].session_factory
    with factory() as session:
        token_id = session.scalar(sa.select(WebSession.token_id))
    with UnitOfWork(factory, Actor.system("test")) as uow:
        revoke_token(uow, token_id)
    assert client.get("/my-assets").status_code == 302
    assert client.get("/api/v1/assets").status_code == 401


def test_pages_follow_the_rule_table(app, make_token):
    operator = app.test_client()
    _sign_in(operator, make_token("China Mobile Nanning", "operator"))
    assert operator.get("/find").status_code == 200
    assert operator.get("/admin").status_code == 403
    assert operator.get("/queue").status_code == 403
    assert operator.get("/my-assets").status_code == 403


def _stored_hashes(app) -> set[str]:
    factory = app.extensions["infrashare"].session_factory
    with factory() as session:
        return set(session.scalars(sa.select(WebSession.session_hash)))


def test_an_admin_creates_an_organisation_and_a_token_then_revokes_it(app, make_token):
    client = app.test_client()
    _sign_in(client, make_token())
    csrf = _csrf(client)
    made = client.post(
        "/admin",
        data={
            "csrf_token": csrf,
            "action": "create_org",
            "name": "Nanning Metro",
            "sector": "rail",
        },
    )
    assert made.status_code == 200 and "Nanning Metro" in made.get_data(as_text=True)
    page = client.post(
        "/admin",
        data={
            "csrf_token": csrf,
            "action": "create_token",
            "org": "Nanning Metro",
            "role": "owner",
            "scope": "read",
            "days": "7",
        },
    ).get_data(as_text=True)
    token = re.search(r'id="new-token" readonly value="(isk_[^"]+)"', page)[1]
    assert (
        app.test_client()
        .get("/api/v1/assets", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 200
    )
    token_id = re.findall(r'action="/admin/tokens/(\d+)/revoke"', page)[-1]
    assert client.post(f"/admin/tokens/{token_id}/revoke").status_code == 403  # no CSRF token
    assert (
        client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf}).status_code
        == 200
    )
    assert (
        app.test_client()
        .get("/api/v1/assets", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 401
    )
