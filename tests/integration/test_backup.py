"""Backup and restore round-trip on both backends: assets, tokens and the change feed come
back, and the index is rebuilt from the restored state."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.inventory.models import Asset, Change
from tests.factories import make_org, point_feature


@pytest.fixture
def cli_app(database_url):
    from api import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t"})
    yield app
    app.extensions["infrashare"].engine.dispose()


def _state(app):
    with app.extensions["infrashare"].session_factory() as session:
        refs = sorted(session.scalars(sa.select(Asset.owner_ref)))
        seq = session.scalar(sa.select(sa.func.max(Change.seq)))
    return refs, seq


def _post(app, token, feature):
    r = app.test_client().post(
        "/api/v1/assets", json=feature, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 201, r.json


def _near_refs(app, token):
    r = app.test_client().post(
        "/api/v1/match/site",
        json={
            "location": {"type": "Point", "coordinates": [108.366, 22.817]},
            "radius_m": 2000,
            "needs": {"antenna_mount": 1},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.json
    return sorted(c["asset_id"] for c in r.json["candidates"])


def test_a_restore_brings_back_the_backed_up_registry_and_rebuilds_the_index(
    cli_app, make_token, tmp_path, database_url
):
    from api import create_app

    server = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t"})  # another process
    runner = cli_app.test_cli_runner()
    org = make_org(cli_app.extensions["infrashare"].session_factory)
    owner = make_token(org.name, "owner")
    admin = make_token()
    _post(cli_app, owner, point_feature(org.id, ref="KEEP-1"))
    before = _state(cli_app)
    served_before = _near_refs(server, admin)
    file = tmp_path / "registry.backup"
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    _post(cli_app, owner, point_feature(org.id, ref="LATER-2", lon=108.3662))
    assert len(_near_refs(server, admin)) == 2
    assert runner.invoke(args=["restore", str(file)]).exit_code != 0  # needs --yes
    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    assert _state(cli_app) == before
    assert "index rebuilt" in result.output
    # The server's index was ahead of the restored feed; it notices and rebuilds.
    assert _near_refs(server, admin) == served_before
    server.extensions["infrashare"].engine.dispose()


def test_restoring_something_that_is_not_a_backup_is_a_clean_error(cli_app, tmp_path):
    junk = tmp_path / "junk.backup"
    junk.write_text("not a backup")
    result = cli_app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert result.exception.__class__ is SystemExit


def test_restoring_an_empty_file_is_refused_and_keeps_the_registry(cli_app, make_token, tmp_path):
    # SQLite opens an empty file as an empty database: it must not replace the registry.
    org = make_org(cli_app.extensions["infrashare"].session_factory)
    _post(cli_app, make_token(org.name, "owner"), point_feature(org.id, ref="STAYS"))
    before = _state(cli_app)
    empty = tmp_path / "empty.backup"
    empty.write_bytes(b"")
    result = cli_app.test_cli_runner().invoke(args=["restore", str(empty), "--yes"])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit, result.output
    assert "is not an InfraShare backup" in result.output
    assert _state(cli_app) == before


def test_a_backup_into_a_missing_folder_names_the_folder(cli_app, tmp_path):
    target = tmp_path / "no" / "such" / "registry.backup"
    result = cli_app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit, result.output
    assert f"{target.parent} is not a folder: create it first" in result.output
    assert not target.parent.exists()
