"""Shared by the authorization tests: Nanning's regional approver and the sites they try."""

from __future__ import annotations

import json

NANNING_AREA = {
    "type": "Polygon",
    "coordinates": [[[108.2, 22.7], [108.5, 22.7], [108.5, 22.95], [108.2, 22.95], [108.2, 22.7]]],
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def routes(app):
    """(rule, method) for every route of the app and every method it answers."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & set(METHODS)):
            yield rule, method


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def site_request(lon, lat) -> dict:
    return {
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "needs": {"antenna_mount": 1},
        "radius_m": 500,
        "purpose": "5G infill",
    }


def regional_approver_token(app, tmp_path) -> str:
    """A token of "Nanning Planning", an approver whose jurisdiction is NANNING_AREA."""
    area = tmp_path / "nanning.geojson"
    area.write_text(json.dumps(NANNING_AREA))
    args = ["tokens", "create", "--org", "Nanning Planning", "--role", "approver"]
    out = app.test_cli_runner().invoke(args=[*args, "--jurisdiction", str(area)])
    assert out.exit_code == 0, out.output
    return out.output.strip().splitlines()[-1]
