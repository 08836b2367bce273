"""Every read path that shows an asset thanks to a grant is audited, by the access module alone.

No view records grant uses: the access module notes them and the request writes them. So
each path below must leave one "use" entry naming it, and a read without a grant none.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from shapely.geometry import box

from registry.access import grant_uses
from registry.access.visibility import GrantScope, disclose
from registry.db.uow import Actor
from registry.inventory.models import AuditEntry
from tests.e2e.test_confidentiality import PLANNED_SITE, SECRET, _grant, _tile_xy, scene  # noqa: F401

LON, LAT = PLANNED_SITE


def _paths(secret_id: int) -> list[tuple[str, str, dict | None]]:
    x, y, _, _ = _tile_xy(*SECRET, 12)
    site = {
        "location": {"type": "Point", "coordinates": [LON, LAT]},
        "radius_m": 500,
        "needs": {"antenna_mount": 1},
    }
    return [
        ("GET", "/api/v1/assets", None),
        ("GET", f"/api/v1/assets/{secret_id}", None),
        ("GET", "/api/v1/exports/assets.geojson", None),
        ("GET", "/ogc/collections/tower/items", None),
        ("GET", f"/ogc/collections/tower/items/{secret_id}", None),
        ("GET", f"/tiles/12/{x}/{y}.mvt", None),
        ("POST", "/api/v1/match/site", site),
    ]


def _uses(app, grant_id: int) -> list[AuditEntry]:
    factory = app.extensions["infrashare"].session_factory
    with factory() as session:
        stmt = sa.select(AuditEntry).where(
            AuditEntry.object_type == "access_grant",
            AuditEntry.action == "use",
            AuditEntry.object_id == str(grant_id),
        )
        return list(session.scalars(stmt.order_by(AuditEntry.id)))


def test_each_read_path_audits_the_grant_use_once(app, scene):  # noqa: F811
    grant = _grant(scene, dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    auth = {"Authorization": f"Bearer {scene['operator']}"}
    for seen, (method, path, body) in enumerate(_paths(scene["secret"]["id"]), start=1):
        r = scene["client"].open(path, method=method, json=body, headers=auth)
        assert r.status_code == 200, (path, r.status_code)
        r.get_data()  # a streamed export writes its entry when the stream ends
        entries = _uses(app, grant["id"])
        assert len(entries) == seen, (path, [e.after for e in entries])
        latest = entries[-1].after
        # The grant's area holds the confidential tower and the restricted one beside it.
        assert scene["secret"]["id"] in latest["asset_ids"], path
        assert set(latest["asset_ids"]) <= {scene["secret"]["id"], scene["close"]["id"]}
        assert latest["where"] in (path, "export") or path.startswith(latest["where"]), path


def test_a_read_without_a_grant_writes_no_use(app, scene):  # noqa: F811
    auth = {"Authorization": f"Bearer {scene['owner']}"}  # the owner sees its own: no grant
    assert scene["client"].get("/api/v1/assets", headers=auth).status_code == 200
    factory = app.extensions["infrashare"].session_factory
    with factory() as session:
        count = session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "use")
        )
    assert count == 0


def _granted_feature():
    now = dt.datetime.now(dt.UTC)
    area = box(0, 0, 1, 1)
    grant = GrantScope(7, 2, area, None, now - dt.timedelta(days=1), now + dt.timedelta(days=1))
    actor = Actor("op", org_id=1, roles=frozenset({"operator"}), grants=(grant,))
    feature = {
        "type": "Feature",
        "id": 42,
        "geometry": {"type": "Point", "coordinates": [0.5, 0.5]},
        "properties": {"owner_id": 2, "sensitivity": "confidential", "kind": "tower"},
    }
    return actor, feature


def test_the_access_module_notes_a_disclosure_into_the_open_ledger():
    actor, feature = _granted_feature()
    ledger = grant_uses.begin()
    try:
        shown, grant_id = disclose(actor, feature)
    finally:
        grant_uses.end()
    assert shown is feature and grant_id == 7
    assert ledger.as_dict() == {7: [42]}


def test_a_disclosure_outside_any_ledger_is_logged_as_an_error(caplog):
    actor, feature = _granted_feature()
    with caplog.at_level(logging.ERROR, logger="registry.access.grant_uses"):
        disclose(actor, feature)
    assert "outside an audited read" in caplog.text


def test_a_tile_asked_again_audits_the_grant_use_again(app, scene):  # noqa: F811
    # Tiles are kept per worker (api.tiles.cache), but never a grant holder's: each showing
    # of the granted asset is a use.
    grant = _grant(scene, dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    auth = {"Authorization": f"Bearer {scene['operator']}"}
    x, y, _, _ = _tile_xy(*SECRET, 12)
    for asked in (1, 2):
        r = scene["client"].get(f"/tiles/12/{x}/{y}.mvt", headers=auth)
        assert r.status_code == 200
        assert len(_uses(app, grant["id"])) == asked
