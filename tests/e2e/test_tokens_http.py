"""Bearer tokens: 401 without a valid one, read scope cannot write, hashes never leak."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from registry.access.models import ApiToken
from registry.access.tokens import hash_token, revoke_token
from registry.db.uow import Actor, UnitOfWork


def _get(app, token=None, path="/api/v1/assets"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().get(path, headers=headers)


def test_no_token_or_a_wrong_one_is_401_with_a_challenge(app):
    for token in (None, "isk_not-a-real-token"):
        r = _get(app, token)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.json["status"] == "unauthenticated"


def test_the_openapi_document_and_docs_need_no_token(app):
    assert _get(app, path="/api/v1/openapi.json").status_code == 200
    assert _get(app, path="/api/v1/docs").status_code == 200


def test_an_expired_token_is_401(app, make_token):
    token = make_token(expires=dt.timedelta(seconds=1))
    factory = app.extensions["infrashare"].session_factory
    with factory.begin() as session:
        row = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    assert _get(app, token).status_code == 401


def test_a_revoked_token_is_401_at_once(app, make_token):
    token = make_token()
    assert _get(app, token).status_code == 200
    factory = app.extensions["infrashare"].session_factory
    with factory() as session:
        token_id = session.scalar(
            sa.select(ApiToken.id).where(ApiToken.token_hash == hash_token(token))
        )
    with UnitOfWork(factory, Actor.system("test")) as uow:
        revoke_token(uow, token_id)
    assert _get(app, token).status_code == 401


def test_a_read_scope_token_reads_but_cannot_write(app, make_token):
    token = make_token(scope="read")
    assert _get(app, token).status_code == 200
    r = app.test_client().post(
        "/api/v1/organisations",
        json={"name": "X", "sector": "other"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403 and r.json["message"] == "this token is read-only"


def test_token_hashes_never_appear_in_logs_or_responses(app, make_token, caplog):
    caplog.set_level(logging.DEBUG)
    result = app.test_cli_runner().invoke(
        args=[
            "tokens",
            "create",
            "--org",
            "Guangxi Power Grid",
            "--role",
            "owner",
            "--sector",
            "power",
        ]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("isk_") and len(token) > 40
    bodies = [
        _get(app, token).get_data(as_text=True),
        _get(app, token, "/api/v1/organisations").get_data(as_text=True),
    ]
    listing = app.test_cli_runner().invoke(args=["tokens", "list"]).output
    digest = hash_token(token)
    for text in [*bodies, listing, caplog.text, result.output]:
        assert digest not in text
    assert token not in listing and token not in caplog.text


def test_the_token_cli_creates_the_organisation_and_prints_the_token_last(app):
    result = app.test_cli_runner().invoke(
        args=[
            "tokens",
            "create",
            "--org",
            "Brand New Fibre Co",
            "--role",
            "operator",
            "--expires",
            "30d",
        ]
    )
    token = result.output.strip().splitlines()[-1]
    r = _get(app, token, "/api/v1/organisations")
    assert r.status_code == 200, r.json
    names = [o["name"] for o in r.json["items"]]
    assert "Brand New Fibre Co" in names


def test_the_openapi_document_declares_bearer_authentication(app):
    spec = _get(app, path="/api/v1/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    assert "/api/v1/match/site" in spec["paths"]
