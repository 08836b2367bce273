"""gunicorn settings for `make run`: `gunicorn -c api/gunicorn_conf.py 'api:create_app()'`.

- INFRASHARE_WORKERS worker processes (default: one per core on SpatiaLite, two per core on
  PostgreSQL: api.config.default_workers says why), sync workers; INFRASHARE_THREADS
  above 1 makes them gthread workers with that many threads, which keep HTTP/1.1 connections
  alive (`keepalive` seconds idle). Kept-alive connections are cheaper for one client (no
  TCP connect, accept and close, no idle worker woken per connect) but stick to one worker,
  so under many clients a request can queue behind others in a busy worker while another
  is idle: the sync worker, which takes a fresh connection per request, had the better p99
  under the 32-client load test (figures: README, "Serving in production").
- INFRASHARE_PRELOAD=1 (default) builds the app and its R-tree index once in the master and
  forks: the index's numpy columns are shared copy-on-write (measured in bench/RESULTS.md);
  0 builds one per worker. Either way each worker catches up from the change feed before
  every query, so every worker answers from the latest committed state.
- Graceful reload: `kill -HUP <master pid>` starts fresh workers and lets the old ones finish
  their requests. With preload the app code is not re-imported (restart for new code).
- Prometheus multi-process mode: samples go to files under instance/prometheus/, cleared at
  start; rate-limit counters in the shared-memory table instance/ratelimit.shm (made afresh
  at start, kept across a HUP), shared by the workers; rendered tiles in
  instance/tile-cache-<master pid>/ (removed at exit), shared by the workers.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
from pathlib import Path

INSTANCE = Path(__file__).resolve().parent.parent / "instance"
RATE_LIMIT_TABLE = INSTANCE / "ratelimit.shm"
# Rendered tiles the workers share (api.tiles.cache): one directory per server (this is read
# in the master), so two servers of one checkout on two databases never share a tile.
TILE_CACHE_PREFIX = "tile-cache-"
TILE_CACHE = INSTANCE / f"{TILE_CACHE_PREFIX}{os.getpid()}"


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return max(int(value), 1)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def _prepare_environment() -> None:
    """Before anything imports prometheus_client: a fresh multi-process directory; and a
    rate-limit store and a tile directory the workers share, unless configured."""
    metrics_dir = Path(
        os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(INSTANCE / "prometheus"))
    )
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):  # samples of a previous run; nothing else is touched
        stale.unlink()
    os.environ.setdefault("INFRASHARE_RATE_LIMIT_STORAGE", f"shmfile://{RATE_LIMIT_TABLE}")
    os.environ.setdefault("INFRASHARE_TILE_CACHE_DIR", str(TILE_CACHE))


_prepare_environment()

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
from api.config import default_workers  # noqa: E402 (after the environment is prepared)

workers = _int_env("INFRASHARE_WORKERS", default_workers(multiprocessing.cpu_count()))
preload_app = os.environ.get("INFRASHARE_PRELOAD", "1") != "0"
threads = _int_env("INFRASHARE_THREADS", 1)
# One thread: gunicorn's sync worker, woken alone per connection (api/gunicorn_worker.py).
worker_class = "gthread" if threads > 1 else "api.gunicorn_worker.ExclusiveSyncWorker"
timeout = _int_env("INFRASHARE_TIMEOUT", 120)  # imports of big files take a while
graceful_timeout = 30
keepalive = 5  # seconds an idle kept-alive connection stays open
# A client may sit behind a proxy: gunicorn's own use of the header (scheme) follows ours.
forwarded_allow_ips = os.environ.get("INFRASHARE_TRUSTED_PROXIES", "127.0.0.1")
accesslog = os.environ.get("INFRASHARE_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("INFRASHARE_LOG_LEVEL", "info").lower()
# gunicorn's control socket sits at one path per user (~/.gunicorn): two servers would clash.
control_socket_disable = True


def _app(server_or_worker):
    return server_or_worker.app.wsgi()


def on_starting(server):
    """A fresh rate-limit table for a fresh server (once: a HUP re-reads this file but keeps
    the table, which the old workers still count in). Nothing has opened it yet: workers
    open it at their first count."""
    if os.environ["INFRASHARE_RATE_LIMIT_STORAGE"] == f"shmfile://{RATE_LIMIT_TABLE}":
        RATE_LIMIT_TABLE.unlink(missing_ok=True)
    for folder in INSTANCE.glob(f"{TILE_CACHE_PREFIX}*"):  # left by servers that were killed
        if not _alive(folder.name.removeprefix(TILE_CACHE_PREFIX)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def on_exit(server):
    """The server's own tile cache goes with it."""
    if os.environ["INFRASHARE_TILE_CACHE_DIR"] == str(TILE_CACHE):
        shutil.rmtree(TILE_CACHE, ignore_errors=True)


def when_ready(server):
    """Preloaded: build the index once in the master, before the workers fork."""
    if server.cfg.preload_app:
        context = _app(server).extensions["infrashare"]
        seq = context.matcher.warm_up()
        context.engine.dispose()  # no open connection is handed down to the workers
        # The app and index objects live as long as the workers: freezing them keeps the
        # collector from walking (and so writing to, un-sharing) them in every worker.
        gc.collect()
        gc.freeze()
        server.log.info("index built in the master at seq %s; forking %s workers", seq, workers)


def post_fork(server, worker):
    """The master's pooled connections must not be shared with a child: drop them (without
    closing the parent's sockets); each worker opens its own."""
    if server.cfg.preload_app:
        _app(worker).extensions["infrashare"].engine.dispose(close=False)


def post_worker_init(worker):
    """Not preloaded: each worker builds its own index before it takes requests."""
    if not worker.cfg.preload_app:
        seq = _app(worker).extensions["infrashare"].matcher.warm_up()
        worker.log.info("worker %s: index built at seq %s", worker.pid, seq)


def worker_exit(server, worker):
    """Write the worker's buffered `masked_query` audit entries before it goes (atexit does
    too; only a SIGKILL loses them, at most the last second's: registry.history.probe_log)."""
    probe_log = _app(worker).extensions.get("infrashare_probe_log")
    if probe_log is not None:
        probe_log.flush()


def child_exit(server, worker):
    """Keep a dead worker's gauges out of the live sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
