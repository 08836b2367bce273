"""Schemathesis over the whole OpenAPI document: no input, however odd, gets a server error.

Runs on both backends, as an admin and as a plain operator, with a small budget per operation
and generation mode (INFRASHARE_FUZZ_EXAMPLES, default 4, positive and negative; `make fuzz`
raises it and randomises). Every 4xx must come in the one error shape, and no message may
show internals. schemathesis's pytest plugin does not run under pytest 9 (it reads a removed
`_nodeid`), so the operations' Hypothesis strategies are driven directly.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation.modes import GenerationMode

from registry.access.tokens import create_token
from registry.db.uow import Actor, UnitOfWork
from tests.backends import BACKENDS
from tests.factories import line_feature, point_feature

EXAMPLES = int(os.environ.get("INFRASHARE_FUZZ_EXAMPLES", "4"))
# `make test` replays the same examples every run; `make fuzz` looks somewhere new each time.
RANDOM = os.environ.get("INFRASHARE_FUZZ_RANDOM") == "1"
ERROR_KEYS = {"code", "status", "message", "errors"}
# What only a stack trace, a library or the server's file system would put in a message, and
# webargs' locations ("json.location" where the user wrote `location`).
INTERNALS = re.compile(
    r"Traceback|gufunc|/tmp/|sqlalchemy|psycopg|sqlite3|GDAL|\b(json|query|form)\.\w"
)


def _token(factory, org: str, role: str, sector: str) -> str:
    with UnitOfWork(factory, Actor.system("fuzz")) as uow:
        token, _ = create_token(uow, org, role, dt.timedelta(days=1), sector=sector)
    return token


def _seed(client, admin: str) -> None:
    """A few organisations, assets of each sensitivity, a share and a build request."""
    auth = {"Authorization": f"Bearer {admin}"}
    orgs = {
        o["name"]: o["id"] for o in client.get("/api/v1/organisations", headers=auth).json["items"]
    }
    owner = orgs["Guangxi Power Grid"]
    assets = [
        point_feature(owner, ref="T1", sensitivity="public"),
        point_feature(owner, 108.37, 22.82, ref="T2", sensitivity="restricted"),
        point_feature(owner, 108.371, 22.821, ref="T3", sensitivity="confidential"),
        line_feature(owner, [(108.36, 22.81), (108.37, 22.82)], ref="C1"),
    ]
    for feature in assets:
        assert client.post("/api/v1/assets", json=feature, headers=auth).status_code == 201
    share = {"asset_id": 1, "resource": "antenna_mount", "count": 1, "purpose": "fuzz"}
    share["requester_org_id"] = orgs["China Mobile Nanning"]
    client.post("/api/v1/share-requests", json=share, headers=auth)
    build = {
        "geometry": {"type": "Point", "coordinates": [108.366, 22.817]},
        "needs": {"antenna_mount": 1},
        "radius_m": 500,
        "purpose": "fuzz",
        "requester_org_id": orgs["China Mobile Nanning"],
    }
    client.post("/api/v1/build-requests", json=build, headers=auth)


WORLDS = [(backend, role) for backend in BACKENDS for role in ("admin", "operator")]


@pytest.fixture(scope="module", params=WORLDS, ids=["-".join(w) for w in WORLDS])
def fuzz_world(request):
    """A seeded app per backend, and the token of the role the fuzzer calls as."""
    backend, role = request.param
    if backend == "spatialite":
        url = request.getfixturevalue("_spatialite_template").fresh_url()
    else:
        url = request.getfixturevalue("_postgis_database").fresh_url()
    from api import create_app

    app = create_app(
        {"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "fuzz", "RATELIMIT_ENABLED": False}
    )
    factory = app.extensions["infrashare"].session_factory
    tokens = {
        "admin": _token(factory, "InfraShare Administration", "admin", "other"),
        "operator": _token(factory, "China Mobile Nanning", "operator", "telecom"),
    }
    _token(factory, "Guangxi Power Grid", "owner", "power")
    _seed(app.test_client(), tokens["admin"])
    yield app, tokens[role]
    app.extensions["infrashare"].engine.dispose()


def _one_error_shape(response) -> str | None:
    """Why this 4xx is not in the one error shape, or shows internals; None when it is fine."""
    content_type = (response.headers.get("content-type") or [""])[0]
    if not 400 <= response.status_code < 500 or not content_type.startswith("application/json"):
        return None
    body = response.json()
    if set(body) != ERROR_KEYS:
        return f"not the one error shape: {body}"
    leaked = INTERNALS.search(body["message"])
    return f"shows internals {leaked.group(0)!r}: {body}" if leaked else None


def _fuzz(operation, mode: GenerationMode, token: str, failures: list[str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not RANDOM,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case):
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        problem = _one_error_shape(response)
        if response.status_code >= 500:
            problem = f"{response.status_code}: {response.content[:300]!r}"
        if problem:
            failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r}"[:600])
            failures.append(f"    -> {problem}"[:600])

    run()


def test_no_input_gets_a_server_error(fuzz_world):
    app, token = fuzz_world
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, token, failures)
    assert not failures, "\n".join(failures)
