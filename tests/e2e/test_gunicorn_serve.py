"""`make run`'s server: gunicorn with several workers, metrics summed over them, a rate
limit they share (in the shared-memory table, which outlives the workers), a graceful
reload on HUP, and rendered tiles kept where every worker finds them."""

from __future__ import annotations

import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.load_bench import _token
from bench.serve_process import Server


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def server(_spatialite_template, tmp_path_factory):
    """One server for the module (starting gunicorn takes seconds); tests run in order."""
    url = _spatialite_template.fresh_url()
    folder = tmp_path_factory.mktemp("gunicorn")
    # An hour's budget: still spent when the reload test asks again.
    env = {
        "INFRASHARE_RATE_LIMIT": "6 per hour",
        "INFRASHARE_RATE_LIMIT_STORAGE": f"shmfile://{folder / 'ratelimit.shm'}",
        "INFRASHARE_TILE_CACHE_DIR": str(folder / "tiles"),
    }
    with Server(url, workers=2, folder=folder, env=env) as running:
        yield running


def test_workers_share_the_rate_limit_and_report_metrics_together(server):
    statuses = [_status(f"{server.base}/api/v1/assets") for _ in range(8)]
    assert statuses == [401] * 6 + [429] * 2
    with urllib.request.urlopen(f"{server.base}/metrics", timeout=10) as r:
        text = r.read().decode()
    line = 'infrashare_http_requests_total{endpoint="assets.Assets",method="GET",status="401"}'
    assert f"{line} 6.0" in text


def _all_workers(server, count: int, seconds: float = 30) -> set[int]:
    """The workers once all `count` are forked: gunicorn spawns them up to 0.1 s apart, so
    the first may answer /readyz before the last exists."""
    deadline = time.monotonic() + seconds
    while len(workers := set(server.workers())) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return workers


def test_hup_replaces_the_workers_without_dropping_service(server):
    before = _all_workers(server, 2)
    assert len(before) == 2
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = set(server.workers())
        if len(now) == 2 and not now & before:
            break
        assert _status(f"{server.base}/healthz") == 200
        time.sleep(0.2)
    assert not set(server.workers()) & before
    assert _status(f"{server.base}/readyz") == 200
    # The budget spent before the reload is still spent: the table outlived those workers.
    assert _status(f"{server.base}/api/v1/assets") == 429


def test_rendered_tiles_are_kept_where_every_worker_finds_them(server):
    token = _token(server.env["INFRASHARE_DATABASE_URL"])
    tile = urllib.request.Request(
        f"{server.base}/tiles/12/3329/1781.mvt", headers={"Authorization": f"Bearer {token}"}
    )
    answers = []
    for _ in range(4):
        with urllib.request.urlopen(tile, timeout=10) as r:
            answers.append((r.status, r.headers["ETag"], r.read()))
    assert answers == [answers[0]] * 4 and answers[0][0] == 200
    # One file for the tile, whichever worker rendered it and whichever answered after.
    assert len(list(Path(server.env["INFRASHARE_TILE_CACHE_DIR"]).glob("*.mvt"))) == 1
