"""The tokens CLI: clean errors, existing organisations reused; demo tokens reused."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from registry.inventory.models import Organisation


@pytest.fixture
def cli_app(database_url, tmp_path):
    from api import create_app

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "DEMO_TOKENS_FILE": str(tmp_path / "demo-tokens.json"),
        }
    )
    yield app
    app.extensions["infrashare"].engine.dispose()


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _org_names(app):
    with app.extensions["infrashare"].session_factory() as session:
        return sorted(session.scalars(sa.select(Organisation.name)))


def test_revoking_a_missing_token_is_a_clean_error(cli_app):
    result = _run(cli_app, "tokens", "revoke", "7")
    assert result.exit_code != 0
    assert "token 7 does not exist" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit


def test_the_short_name_of_a_seeded_organisation_is_reused(cli_app):
    full = "China Mobile Nanning (中国移动南宁分公司)"
    assert _run(cli_app, "tokens", "create", "--org", full, "--role", "operator").exit_code == 0
    result = _run(
        cli_app, "tokens", "create", "--org", "China Mobile Nanning", "--role", "operator"
    )
    assert result.exit_code == 0, result.output
    assert _org_names(cli_app) == [full]


def test_a_short_name_that_fits_two_organisations_is_refused(cli_app):
    for name in ("Acme (north)", "Acme (south)"):
        _run(cli_app, "tokens", "create", "--org", name, "--role", "owner")
    result = _run(cli_app, "tokens", "create", "--org", "Acme", "--role", "owner")
    assert result.exit_code != 0 and "several organisations" in result.output
    assert _org_names(cli_app) == ["Acme (north)", "Acme (south)"]


def _demo(app, *extra):
    result = _run(app, "demo-tokens", *extra)
    assert result.exit_code == 0, result.output
    return result.output


def _saved(app):
    return json.loads(open(app.config["DEMO_TOKENS_FILE"]).read())


def test_demo_tokens_print_the_url_and_are_the_same_set_next_time(cli_app):
    first = _demo(cli_app)
    assert "http://127.0.0.1:5000/" in first
    tokens = _saved(cli_app)
    assert set(tokens) == {"owner", "operator", "approver", "admin"}
    assert all(t in first for t in tokens.values())
    second = _demo(cli_app)
    assert _saved(cli_app) == tokens and all(t in second for t in tokens.values())
    listing = _run(cli_app, "tokens", "list").output
    assert listing.count("\tactive") == 4


def test_demo_tokens_print_the_address_the_server_was_started_on(cli_app):
    # `make run PORT=5077` printed http://127.0.0.1:5000/ (a config key nothing ever set).
    output = _demo(cli_app, "--url", "http://127.0.0.1:5077")
    assert "InfraShare: http://127.0.0.1:5077/   sign in" in output
    assert "http://127.0.0.1:5077/api/v1/assets" in output and ":5000" not in output


def test_a_new_demo_set_revokes_the_old_one(cli_app):
    _demo(cli_app)
    old = _saved(cli_app)
    _demo(cli_app, "--new")
    assert set(_saved(cli_app).values()).isdisjoint(old.values())
    client = cli_app.test_client()
    r = client.get("/api/v1/assets", headers={"Authorization": f"Bearer {old['admin']}"})
    assert r.status_code == 401
    listing = _run(cli_app, "tokens", "list").output
    assert listing.count("\tactive") == 4 and listing.count("\trevoked") == 4
