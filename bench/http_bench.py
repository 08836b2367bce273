"""POST /api/v1/match/site through Flask's test client, on the demo city in SpatiaLite.

Everything an API call does except the socket: routing, authentication, validation, the
engine's catch-up read of the change feed, matching, redaction, JSON.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bench.report import Figures, percentiles
from bench.workload import GEOD, JITTER_M, SITE_NEEDS, SITE_RADIUS_M

TARGET_HTTP_US = 1_500.0  # issue 13: HTTP /match/site p50 for one client


def _seed(url: str) -> tuple[int, list[tuple[float, float]]]:
    """Migrate a fresh SpatiaLite file and load the demo city; returns (assets, point sites)."""
    from registry.db import migrate
    from registry.db.engine import make_engine, make_session_factory
    from registry.db.uow import Actor
    from registry.interop import seeding
    from seed_data import demo_city

    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        orgs, features = demo_city.generate(seed=42)
        features = list(features)
        seeding.load(make_session_factory(engine), Actor.system("bench"), orgs, features)
    finally:
        engine.dispose()
    points = [f["geometry"]["coordinates"] for f in features if f["geometry"]["type"] == "Point"]
    return len(features), [(float(x), float(y)) for x, y in points]


def _bodies(points: list[tuple[float, float]], n: int, rng) -> list[dict]:
    picks = np.array([points[i] for i in rng.integers(0, len(points), n)])
    lon, lat, _ = GEOD.fwd(
        picks[:, 0], picks[:, 1], rng.uniform(0, 360, n), np.abs(rng.normal(0, JITTER_M, n))
    )
    return [
        {
            "location": {"type": "Point", "coordinates": [x, y]},
            "radius_m": SITE_RADIUS_M,
            "needs": dict(SITE_NEEDS),
        }
        for x, y in zip(lon.tolist(), lat.tolist(), strict=True)
    ]


@contextmanager
def demo_city_db(figures: Figures):
    """A scratch SpatiaLite file holding the demo city: yields (url, assets, point sites)."""
    with tempfile.TemporaryDirectory(prefix="infrashare-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        start = time.perf_counter()
        assets, points = _seed(url)
        figures.add(f"HTTP: seed the demo city ({assets:,} assets) into SpatiaLite",
                    time.perf_counter() - start, "s")  # fmt: skip
        yield url, assets, points


def bench_app(url: str):
    """The app on this database as the test-client benchmarks run it: quiet, no rate limit."""
    from api import create_app

    config = {"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
              "RATELIMIT_ENABLED": False}  # fmt: skip
    app = create_app(config)
    logging.getLogger().setLevel(logging.WARNING)
    return app


def run(figures: Figures, n: int, rng, city) -> None:
    """`city`: what demo_city_db yields (the bench seeds once for this and the load test)."""
    from registry.access.tokens import create_token
    from registry.db.uow import Actor, UnitOfWork

    url, _, points = city
    app = bench_app(url)
    ctx = app.extensions["infrashare"]
    with UnitOfWork(ctx.session_factory, Actor.system("bench")) as uow:
        token, _ = create_token(
            uow, "InfraShare Administration", "admin", dt.timedelta(days=1), "write"
        )
    ctx.matcher.warm_up()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    bodies = _bodies(points, n, rng)
    seconds, suggestions, cpu = [], [], 0.0
    for k, body in enumerate(bodies):
        cpu_start = time.process_time()
        start = time.perf_counter()
        response = client.post("/api/v1/match/site", json=body, headers=headers)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"/match/site answered {response.status_code}: {response.text}")
        if k >= 20:  # the first requests warm caches
            cpu += time.process_time() - cpu_start  # the client's share included
            seconds.append(elapsed)
            suggestions.append(len(response.get_json()["candidates"]))
    ctx.engine.dispose()
    p50, p99 = percentiles(seconds)
    note = (f"Flask test client, {len(seconds)} requests, {np.mean(suggestions):.1f} suggestions; "
            f"CPU {cpu / len(seconds) * 1e6:.0f} us/request")  # fmt: skip
    figures.add("HTTP POST /api/v1/match/site p50", p50, "us", TARGET_HTTP_US,
                key="http_match_site_p50", note=note)  # fmt: skip
    figures.add("HTTP POST /api/v1/match/site p99", p99, "us")
