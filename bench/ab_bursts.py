"""A/B of the near list as served, in interleaved bursts: code (or interpreters) side by side.

`python -m bench.ab_bursts A=/path/to/checkout B=/path/to/other:/usr/bin/python3.11`
(INFRASHARE_TEST_POSTGRES_URL set, as for near_bench; `make pg-start` gives one).

This machine's speed swings by tens of percent from one minute to the next, so two runs
minutes apart cannot tell a 10% change. Here each checkout serves from its own process
(its own code, imported from that directory, on its interpreter), all loaded side by side on
one scratch copy of the demo city; then, round after round, each lists the same burst of
warm near lists (an operator, the Flask test client, as near_bench's "served" figure), the
order alternating. A speed swing then falls on every side alike. The same pair measured
twice still differed by up to ~15% here (bench/RESULTS.md): one run is one sample.

Each checkout must have bench/near_bench.py with _client, _operator and _served (since
issue 13's near lists); this file runs from the checkout it is in, the others' code is theirs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

THIS = Path(__file__).resolve()


def _worker(url: str, centres_file: str) -> None:
    """Serve bursts: read "count seed" lines, answer [walls, cpus] as JSON (the checkout's
    own code: the caller runs this with its directory first on sys.path)."""
    import numpy as np

    from bench import near_bench as nb
    from registry.db.engine import make_engine, make_session_factory

    centres = json.loads(Path(centres_file).read_text())
    engine = make_engine(url)
    actor = nb._operator(make_session_factory(engine))
    engine.dispose()
    app, client, headers = nb._client(url, actor.org_id)
    warm = np.random.default_rng(0)
    for i in warm.integers(0, len(centres), 30):
        nb._served(client, headers, *centres[i])
    print("ready", flush=True)
    for line in sys.stdin:
        count, seed = map(int, line.split())
        walls, cpus = [], []
        for i in np.random.default_rng(seed).integers(0, len(centres), count):
            wall, cpu, _ = nb._served(client, headers, *centres[i])
            walls.append(wall)
            cpus.append(cpu)
        print(json.dumps([walls, cpus]), flush=True)
    nb._close(app)


def _side(spec: str) -> tuple[str, Path, str]:
    """NAME=DIR[:PYTHON] -> (name, checkout, interpreter; default: the checkout's .venv)."""
    name, _, rest = spec.partition("=")
    folder, _, python = rest.partition(":")
    checkout = Path(folder).resolve()
    if not name or not (checkout / "bench" / "near_bench.py").is_file():
        raise SystemExit(f"{spec!r}: give NAME=DIR[:PYTHON], DIR a checkout with bench/")
    return name, checkout, python or str(checkout / ".venv" / "bin" / "python")


def main(argv=None) -> int:
    import numpy as np

    p = argparse.ArgumentParser(
        prog="python -m bench.ab_bursts", description=__doc__.split("\n")[0]
    )
    p.add_argument("sides", nargs="*", help="NAME=DIR[:PYTHON], two or more")
    p.add_argument("--rounds", type=int, default=16)
    p.add_argument("--queries", type=int, default=100, help="near lists per burst")
    p.add_argument("--worker", nargs=2, metavar=("URL", "CENTRES"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        _worker(*args.worker)
        return 0
    sides = [_side(s) for s in args.sides]
    pg_url = os.environ.get("INFRASHARE_TEST_POSTGRES_URL")
    if len(sides) < 2 or not pg_url:
        raise SystemExit("two sides or more, and INFRASHARE_TEST_POSTGRES_URL, are needed")
    from bench import near_bench

    with near_bench._databases(pg_url) as urls, tempfile.TemporaryDirectory() as folder:
        url = dict(urls)["PostGIS"]
        centres = Path(folder) / "centres.json"
        centres.write_text(json.dumps(near_bench._seed(url, 1.0)))
        env = dict(os.environ, SPATIALITE_LIBRARY_PATH="mod_spatialite")
        procs = {}
        for name, checkout, python in sides:
            procs[name] = subprocess.Popen(
                [python, str(THIS), "--worker", url, str(centres)],
                cwd=checkout, env={**env, "PYTHONPATH": str(checkout)},
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            if procs[name].stdout.readline().strip() != "ready":
                raise SystemExit(f"{name}: its server did not start")
        times = {name: ([], []) for name, _, _ in sides}
        for k in range(args.rounds):
            for name, _, _ in sides if k % 2 == 0 else sides[::-1]:
                proc = procs[name]
                proc.stdin.write(f"{args.queries} {1000 + k}\n")
                proc.stdin.flush()
                walls, cpus = json.loads(proc.stdout.readline())
                times[name][0].extend(walls)
                times[name][1].extend(cpus)
        for proc in procs.values():
            proc.stdin.close()
            proc.wait()
    base = sides[0][0]
    base_cpu = np.median(times[base][1])
    for name, checkout, python in sides:
        walls, cpus = times[name]
        print(f"{name:>6}: wall p50 {np.median(walls) * 1e6:6.0f} us, CPU p50 "
              f"{np.median(cpus) * 1e6:6.0f} us, CPU / {base} {np.median(cpus) / base_cpu:.3f}"
              f"  ({len(walls)} near lists; {checkout}, {python})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
