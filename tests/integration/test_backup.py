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
    replaced = _state(cli_app)[1]
    assert runner.invoke(args=["restore", str(file)]).exit_code != 0  # needs --yes
    result = runner.invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    # The backup's registry, and the restore's own feed entry just above the replaced seq.
    assert _state(cli_app) == (before[0], replaced + 1)
    with cli_app.extensions["infrashare"].session_factory() as session:
        newest = session.get(Change, replaced + 1)
        entries = session.scalars(sa.select(Change.seq).order_by(Change.seq)).all()
    assert (newest.entity, newest.op) == ("registry", "restored")
    assert entries == [*range(1, before[1] + 1), replaced + 1]
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


def _tile_xs(app, token) -> list[int]:
    """Where the features of the z16 tile around the test towers sit (x in tile units), as
    the server renders or keeps the tile. Ids would not do: a restore hands them out again."""
    import mapbox_vector_tile

    from tests.integration.test_tiles import _url

    r = app.test_client().get(_url(108.366, 22.817), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.data
    layers = mapbox_vector_tile.decode(r.data) if r.data else {}
    return sorted(round(f["geometry"]["coordinates"][0]) for x in layers.values()
                  for f in x["features"])  # fmt: skip


def _backed_up_then_written(cli_app, make_token, tmp_path):
    """(a server app, owner and admin tokens, the org): KEEP-1 backed up, then GONE-2 written
    after the backup (the server sees both); the backup is tmp_path/registry.backup."""
    from api import create_app

    server = create_app({"DATABASE_URL": cli_app.config["DATABASE_URL"], "SECRET_KEY": "t"})
    org = make_org(cli_app.extensions["infrashare"].session_factory)
    owner, admin = make_token(org.name, "owner"), make_token()
    _post(cli_app, owner, point_feature(org.id, ref="KEEP-1"))
    backup = tmp_path / "registry.backup"
    assert cli_app.test_cli_runner().invoke(args=["backup", str(backup)]).exit_code == 0
    _post(cli_app, owner, point_feature(org.id, ref="GONE-2", lon=108.3662))
    return server, owner, admin, org


def _restore(cli_app, tmp_path) -> None:
    backup = tmp_path / "registry.backup"
    result = cli_app.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output


def test_a_tile_kept_before_a_restore_is_not_served_when_the_seq_comes_round_again(
    cli_app, make_token, tmp_path
):
    """The tile cache keys a tile by the registry's seq; a restore takes the seq back and new
    writes reach the same seq with other assets: the server must render them, not hand back
    the tile of the history the restore left."""
    from tests.integration.test_tiles import pixel

    server, owner, admin, org = _backed_up_then_written(cli_app, make_token, tmp_path)
    xs = [round(pixel(lon, 22.817)[0]) for lon in (108.3658, 108.366, 108.3662)]
    assert _tile_xs(server, admin) == xs[1:]  # rendered, and kept under this seq
    _restore(cli_app, tmp_path)
    _post(cli_app, owner, point_feature(org.id, ref="NEW-3", lon=108.3658))  # the same seq
    assert _state(cli_app)[0] == ["KEEP-1", "NEW-3"]
    assert _tile_xs(server, admin) == xs[:2]
    server.extensions["infrashare"].engine.dispose()


def test_a_server_rebuilds_after_a_restore_however_many_writes_came_before_its_next_request(
    cli_app, make_token, tmp_path, database_url
):
    """The seq a server's index stands at can come round again after a restore (writes by
    others, an import); the restore's own feed entry still tells it to rebuild."""
    from api import create_app

    server, owner, admin, org = _backed_up_then_written(cli_app, make_token, tmp_path)
    assert len(_near_refs(server, admin)) == 2  # the server's index holds GONE-2
    _restore(cli_app, tmp_path)
    for k, lon in enumerate((108.3650, 108.3648, 108.3646)):  # past the seq it stood at
        _post(cli_app, owner, point_feature(org.id, ref=f"NEW-{k}", lon=lon))
    fresh = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "t"})  # built from now
    expected = _candidates(fresh, admin)
    assert len(expected) == 4
    assert _candidates(server, admin) == expected  # ids come round again too: where they are
    for app in (server, fresh):
        app.extensions["infrashare"].engine.dispose()


def _candidates(app, token) -> list[tuple[int, float]]:
    r = app.test_client().post(
        "/api/v1/match/site",
        json={"location": {"type": "Point", "coordinates": [108.366, 22.817]},
              "radius_m": 2000, "needs": {"antenna_mount": 1}},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert r.status_code == 200, r.json
    return sorted((c["asset_id"], round(c["distance_m"], 3)) for c in r.json["candidates"])
