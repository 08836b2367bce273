"""GET /assets writes its page as text (api/assets/page_json): the same bytes as jsonify of
the Feature dicts, for every role, filter and kind of asset."""

from __future__ import annotations

import datetime as dt

import pytest

import api.assets.resources as asset_views

LON, LAT = 108.3671234, 22.8172345


def _asset(owner_id, kind, geometry, ref, sensitivity, **attributes):
    capacity = attributes.pop("capacity", {})
    props = {"kind": kind, "owner_id": owner_id, "owner_ref": ref, "sensitivity": sensitivity}
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {**props, **attributes, "capacity": capacity},
    }


def _point(dx: float, dy: float) -> dict:
    return {"type": "Point", "coordinates": [LON + dx, LAT + dy]}


def _assets(owner_id: int) -> list[dict]:
    line = {
        "type": "LineString",
        "coordinates": [[LON - 0.001, LAT], [LON, LAT + 0.0005], [LON + 0.00123456789, LAT]],
    }
    mounts = {"antenna_mount": {"total": 4, "heights": [10, 22.5, 30.25, 41]}}
    return [
        _asset(
            owner_id,
            "tower",
            _point(0.0001, 0),
            "T-1",
            "public",
            height_m=45,
            name='Tower 100% \u5e7f\u897f "east"',
            capacity=mounts,
        ),
        _asset(
            owner_id,
            "tower",
            _point(0.0002, 0.0001),
            "T-2",
            "restricted",
            height_m=30,
            capacity={"antenna_mount": {"total": 6}},
        ),
        _asset(owner_id, "tower", _point(-0.0003, 0), "T-3", "confidential", height_m=25),
        _asset(
            owner_id,
            "pole",
            _point(0, -0.0002),
            "P-1",
            "public",
            capacity={"antenna_mount": {"total": 2}, "attachment": {"total": 3}},
        ),
        _asset(owner_id, "duct", line, "D-1", "restricted", capacity={"subduct": {"total": 4}}),
        _asset(owner_id, "manhole", _point(0.0004, -0.0001), "M-1", "public"),
    ]


@pytest.fixture
def tokens(app, make_token, client):
    owner = make_token("Guangxi Power Grid", "owner", sector="power")
    granted = make_token("China Unicom Nanning", "operator", sector="telecom")
    orgs = {o["name"]: o["id"] for o in client.get("/api/v1/organisations").json["items"]}
    auth = {"Authorization": f"Bearer {owner}"}
    for feature in _assets(orgs["Guangxi Power Grid"]):
        r = client.post("/api/v1/assets", json=feature, headers=auth)
        assert r.status_code == 201, r.json
    box = [[LON - 0.01, LAT - 0.01], [LON + 0.0001, LAT - 0.01], [LON + 0.0001, LAT + 0.01],
           [LON - 0.01, LAT + 0.01], [LON - 0.01, LAT - 0.01]]  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    grant = {"grantee_org_id": orgs["China Unicom Nanning"],
             "area": {"type": "Polygon", "coordinates": [box]},
             "valid_from": (now - dt.timedelta(minutes=1)).isoformat(),
             "valid_until": (now + dt.timedelta(days=1)).isoformat()}  # fmt: skip
    assert client.post("/api/v1/access-grants", json=grant, headers=auth).status_code == 201
    return {
        "admin": None,  # the client's own
        "owner": owner,
        "operator": make_token("China Mobile Nanning", "operator", sector="telecom"),
        "granted operator": granted,
    }


QUERIES = [
    f"near={LON},{LAT}&radius_m=500",
    f"near={LON},{LAT}&radius_m=500&limit=2&offset=1",
    f"bbox={LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}",
    f"near={LON},{LAT}&radius_m=50&kind=tower,duct",
    "limit=3&offset=2",
]


def test_the_page_text_is_what_jsonify_writes_of_the_features(client, tokens, monkeypatch):
    compared = masked = 0
    for role, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for query in QUERIES:
            fast = client.get(f"/api/v1/assets?{query}", headers=headers)
            with monkeypatch.context() as m:
                m.setattr(asset_views, "fast_json_ok", lambda app: False)
                plain = client.get(f"/api/v1/assets?{query}", headers=headers)
            assert fast.status_code == plain.status_code == 200, (role, query)
            assert fast.headers["Content-Type"] == plain.headers["Content-Type"]
            assert fast.get_data() == plain.get_data(), (role, query)
            compared += len(fast.json["features"])
            masked += sum(bool(f["properties"].get("masked")) for f in fast.json["features"])
    assert compared > 40 and masked > 0  # the pages were not empty, and some masked


def test_the_page_is_jsonify_s_in_debug_mode_too(app, client, tokens):
    app.debug = True  # jsonify indents: the page is then written the plain way
    try:
        r = client.get(f"/api/v1/assets?near={LON},{LAT}&radius_m=500")
    finally:
        app.debug = False
    assert r.status_code == 200 and '\n  "features": [' in r.get_data(as_text=True)


def test_one_asset_reads_as_its_feature_in_a_list_and_its_capacity_for_every_caller(
    app, client, tokens
):
    """GET /assets/{id} (read as a list page reads its rows) is the Feature a list shows the
    same caller, masked or hidden alike; its counts are what GET .../capacity (the ORM and
    the held units, another way) counts, held units included."""
    from registry.db.uow import Actor, UnitOfWork
    from registry.inventory import allocations

    admin = {}
    listed = client.get("/api/v1/assets?limit=100", headers=admin).json["features"]
    ids = [f["id"] for f in listed]
    tower = next(f for f in listed if f["properties"]["owner_ref"] == "T-1")
    with UnitOfWork(app.extensions["infrashare"].session_factory, Actor.system("t")) as uow:
        allocations.allocate(
            uow, tower["id"], "antenna_mount", tower["properties"]["owner_id"], count=3
        )
    seen = hidden = 0
    for role, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"} if token else admin
        page = client.get("/api/v1/assets?limit=100", headers=headers).json["features"]
        by_id = {f["id"]: f for f in page}
        for asset_id in ids:
            one = client.get(f"/api/v1/assets/{asset_id}", headers=headers)
            if asset_id not in by_id:  # not shown to this caller: as if it did not exist
                assert one.status_code == 404, (role, asset_id, one.json)
                hidden += 1
                continue
            assert one.status_code == 200, (role, asset_id, one.json)
            assert one.json == by_id[asset_id], (role, asset_id)
            counts = client.get(f"/api/v1/assets/{asset_id}/capacity", headers=headers).json
            for resource, shown in one.json["properties"]["capacity"].items():
                full = counts["resources"][resource]
                keys = [k for k in ("total", "allocated", "free") if k in shown]  # masked: free
                assert keys and [shown[k] for k in keys] == [full[k] for k in keys], (
                    role,
                    resource,
                )
            seen += 1
    assert seen > 15 and hidden > 0
    one = client.get(f"/api/v1/assets/{tower['id']}", headers=admin).json
    assert one["properties"]["capacity"]["antenna_mount"]["allocated"] == 3


def test_listed_times_are_the_stored_times_in_utc_to_the_microsecond(app, client, tokens):
    """A list reads its times its own way (page_rows); they are what the ORM reads of the
    same rows, to the microsecond, and in UTC on both backends: on PostgreSQL too when the
    database's own TimeZone is another (the engine's sessions run in UTC)."""
    from registry.inventory.models import Asset

    engine = app.extensions["infrashare"].engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            name = conn.exec_driver_sql("SELECT current_database()").scalar()
            conn.exec_driver_sql(f"ALTER DATABASE \"{name}\" SET TimeZone = 'Asia/Shanghai'")
            conn.commit()
        engine.dispose()  # new sessions start with the database's settings

    changed = client.get("/api/v1/assets?limit=100").json["features"][0]["id"]
    edit = {"properties": {"owner_ref": "T-1b"}}  # a kept row's asset changes
    assert client.patch(f"/api/v1/assets/{changed}", json=edit).status_code == 200
    page = client.get("/api/v1/assets?limit=100").json["features"]
    with app.extensions["infrashare"].session_factory() as session:
        listed = session.query(Asset).filter(Asset.id.in_([f["id"] for f in page]))
        stored = {a.id: a for a in listed}
    micro = 0
    for f in page:
        asset = stored[f["id"]]
        for name in ("created_at", "updated_at"):
            shown = dt.datetime.fromisoformat(f["properties"][name])
            assert shown == getattr(asset, name) and shown.utcoffset() == dt.timedelta(0), name
            micro += shown.microsecond != 0
    assert len(page) > 5 and micro > 0
    assert next(f for f in page if f["id"] == changed)["properties"]["owner_ref"] == "T-1b"
