"""The demo city served by `make run`'s gunicorn: one client's /match/site latency over a
real socket, then a bounded load test with 32 concurrent clients (wrk).

Mixed workload: 70% `GET /api/v1/assets?near=`, 20% `POST /api/v1/match/site`, 10% z15
vector tiles, around the demo city's assets. wrk (Debian's `wrk`, C, epoll) drives it,
because a Python client on the same 2 cores would take much of the CPU the server needs;
without wrk the load part is skipped with a note. Baseline in the same run: the same load
against a single worker. Only loopback addresses; every run is bounded in time.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from api.config import default_workers
from bench.http_bench import _bodies
from bench.report import Figures, percentiles
from bench.serve_process import Server

TARGET_ONE_CLIENT_US = 1_500.0
TARGET_P99_MS = 100.0
AIM_RPS = 600.0
CONNECTIONS = 32
NEAR_RADIUS_M = 500
TILE_Z = 15

LUA = """
local token = "{token}"
local paths = {paths}
local bodies = {bodies}
local n = 0
request = function()
  n = n + 1
  local r = math.random(100)
  local h = {{["Authorization"] = "Bearer " .. token}}
  if r <= 70 then
    return wrk.format("GET", paths.near[math.random(#paths.near)], h)
  elseif r <= 90 then
    h["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/v1/match/site", h, bodies[math.random(#bodies)])
  else
    return wrk.format("GET", paths.tiles[math.random(#paths.tiles)], h)
  end
end
"""


def _tile(lon: float, lat: float, z: int = TILE_Z) -> str:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return f"/tiles/{z}/{x}/{y}.mvt"


def _lua_list(items) -> str:
    return "{" + ", ".join(json.dumps(s) for s in items) + "}"


def _script(folder: Path, token: str, points, rng, n: int = 500) -> Path:
    bodies = _bodies(points, n, rng)
    coords = [b["location"]["coordinates"] for b in bodies]
    near = [f"/api/v1/assets?near={x:.6f},{y:.6f}&radius_m={NEAR_RADIUS_M}" for x, y in coords]
    tiles = sorted({_tile(x, y) for x, y in coords})
    paths = "{near = " + _lua_list(near) + ", tiles = " + _lua_list(tiles) + "}"
    text = LUA.format(token=token, paths=paths, bodies=_lua_list(json.dumps(b) for b in bodies))
    path = folder / "mix.lua"
    path.write_text(text)
    return path


def _token(url: str) -> str:
    from registry.access.tokens import create_token
    from registry.db.engine import make_engine, make_session_factory
    from registry.db.uow import Actor, UnitOfWork

    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine), Actor.system("bench")) as uow:
            token, _ = create_token(uow, "China Mobile Nanning (中国移动南宁分公司)", "operator",
                                    dt.timedelta(days=1), "write", sector="telecom")  # fmt: skip
    finally:
        engine.dispose()
    return token


def one_client(server: Server, token: str, bodies: list[dict], figures: Figures) -> None:
    """Sequential POST /match/site over loopback on one kept-alive connection, as an HTTP/1.1
    client (a browser, requests.Session) sends them; a new connection only where the server
    closes one (gunicorn's sync worker closed every one)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    seconds, conn, connects = [], None, 0
    cpu0 = server.cpu()
    for k, body in enumerate(bodies):
        payload = json.dumps(body)
        start = time.perf_counter()
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connects += 1
        conn.request("POST", "/api/v1/match/site", payload, headers)
        response = conn.getresponse()
        response.read()
        if response.will_close:
            conn.close()
            conn = None
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise RuntimeError(f"/match/site answered {response.status}")
        if k >= 20:
            seconds.append(elapsed)
    if conn is not None:
        conn.close()
    p50, p99 = percentiles(seconds)
    cpu = (server.cpu() - cpu0) / len(bodies) * 1e6
    note = (f"gunicorn over loopback, {len(seconds)} requests timed of {len(bodies)} sent on "
            f"{connects} connection(s); server CPU {cpu:.0f} us/request")  # fmt: skip
    figures.add("HTTP (socket) POST /match/site p50, one client", p50, "us",
                TARGET_ONE_CLIENT_US, key="http_socket_match_site_p50", note=note)  # fmt: skip
    figures.add("HTTP (socket) POST /match/site p99, one client", p99, "us")


_LAT = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_wrk(text: str) -> dict:
    """Requests, errors, p50/p99 (ms) and throughput from wrk's --latency output."""
    lat = {int(q): float(v) * _UNIT_MS[u] for q, v, u in _LAT.findall(text)}
    total = int(re.search(r"(\d+) requests in", text)[1])
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = (int(non2xx[1]) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1])
    return {"requests": total, "errors": errors, "p50": lat[50], "p99": lat[99], "rps": rps}


def wrk_load(server: Server, script: Path, seconds: int) -> tuple[dict, float, float]:
    """(wrk figures, server CPU seconds, wrk CPU seconds) for one bounded run."""
    cmd = ["wrk", f"-t{2}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s",
           "--latency", "-s", str(script), server.base]  # fmt: skip
    cpu0, child0 = server.cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True)
    child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (child1.ru_utime - child0.ru_utime) + (child1.ru_stime - child0.ru_stime)
    return parse_wrk(done.stdout), server.cpu() - cpu0, wrk_cpu


def _load_figures(figures: Figures, label: str, r: dict, cpu: float, wrk_cpu: float,
                  seconds: int, targets: bool) -> None:  # fmt: skip
    note = (f"{r['requests']:,} requests in {seconds} s wall; server CPU {cpu:.1f} s, "
            f"wrk CPU {wrk_cpu:.1f} s")  # fmt: skip
    if targets:
        figures.add(f"load {label}: errors", r["errors"], "responses", 0,
                    key="load_errors", note=note)  # fmt: skip
        figures.add(f"load {label}: p50", r["p50"], "ms")
        figures.add(f"load {label}: p99", r["p99"], "ms", TARGET_P99_MS, key="load_p99")
        aim = figures.add(f"load {label}: throughput", r["rps"], "req/s", AIM_RPS,
                          key="load_throughput", note="aim: at least this")  # fmt: skip
        aim.passed = r["rps"] >= AIM_RPS  # higher is better
    else:
        figures.add(f"load {label}: errors", r["errors"], "responses", note=note)
        figures.add(f"load {label}: p50 / p99", f"{r['p50']:.1f} / {r['p99']:.1f}", "ms")
        figures.add(f"load {label}: throughput", r["rps"], "req/s")


def run(figures: Figures, quick: bool, rng, city, workers: int | None = None) -> None:
    """Serve the demo city (`city`: what http_bench.demo_city_db yields) with gunicorn,
    measure one client, then the load."""
    cores = os.cpu_count() or 1
    workers = workers or default_workers(cores, city[0])
    seconds = 3 if quick else 20
    url, assets, points = city
    with tempfile.TemporaryDirectory(prefix="infrashare-load-") as tmp:
        folder = Path(tmp)
        token = _token(url)
        bodies = _bodies(points, 60 if quick else 500, rng)
        script = _script(folder, token, points, rng)
        with Server(url, workers, folder) as server:
            one_client(server, token, bodies, figures)
            if shutil.which("wrk") is None:
                figures.note("load test skipped: wrk is not installed (apt-get install wrk)")
                return
            result = wrk_load(server, script, seconds)
            _load_figures(figures, f"{CONNECTIONS} clients, {workers} workers", *result,
                          seconds, targets=True)  # fmt: skip
        if workers != 2 * cores:  # the other default, same length: what one per core gains
            with Server(url, 2 * cores, folder) as other:
                result = wrk_load(other, script, seconds)
                _load_figures(figures, f"{CONNECTIONS} clients, {2 * cores} workers (two per "
                              "core)", *result, seconds, targets=False)  # fmt: skip
        with Server(url, 1, folder) as baseline:
            result = wrk_load(baseline, script, max(seconds // 2, 2))
            _load_figures(figures, f"{CONNECTIONS} clients, 1 worker (baseline)", *result,
                          max(seconds // 2, 2), targets=False)  # fmt: skip
        many, one = (
            figures.get(f"load {CONNECTIONS} clients, {workers} workers: throughput"),
            figures.get(f"load {CONNECTIONS} clients, 1 worker (baseline): throughput"),
        )
        if many and one and one.measured:
            figures.add(f"throughput {workers} workers / 1 worker", many.measured / one.measured,
                        "x")  # fmt: skip
        figures.note(f"load test: demo city ({assets:,} assets) in SpatiaLite, gunicorn as "
                     f"`make run` starts it, wrk -t2 -c{CONNECTIONS} (keeps connections alive "
                     "where the server does) on the same machine; mix 70% near "
                     "list, 20% match/site, 10% z15 tiles")  # fmt: skip
