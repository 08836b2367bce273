"""A gunicorn server as `make run` starts it, on a scratch database, for the load benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its reaped children... and its live children."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15]) / CLOCK_TICKS  # utime stime cutime cstime
    return total


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


class Server:
    """`with Server(url, workers, folder) as server:` gunicorn on 127.0.0.1, ready to serve."""

    def __init__(
        self, database_url: str, workers: int, folder: Path, preload: bool = True, env=None
    ):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "INFRASHARE_DATABASE_URL": database_url,
            "INFRASHARE_WORKERS": str(workers),
            "INFRASHARE_PRELOAD": "1" if preload else "0",
            "INFRASHARE_SECRET_KEY": "bench",
            "INFRASHARE_LOG_LEVEL": "WARNING",
            # The load test measures serving, not the rate limiter's verdicts.
            "INFRASHARE_RATE_LIMIT": "100000000 per minute",
            "INFRASHARE_TILE_RATE_LIMIT": "100000000 per minute",
            "INFRASHARE_RATE_LIMIT_STORAGE": f"shmfile://{folder / 'ratelimit.shm'}",
            "PROMETHEUS_MULTIPROC_DIR": str(folder / f"prometheus-{self.port}"),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            **(env or {}),
        }
        self.log = folder / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        cmd = [str(gunicorn), "-c", "api/gunicorn_conf.py", "api:create_app()"]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(cmd, cwd=PROJECT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)  # fmt: skip
        self._wait_ready(deadline=time.monotonic() + 180)
        return self

    def _wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not become ready within 180 s")

    def workers(self) -> list[int]:
        return _children(self.process.pid)

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: nothing is in flight
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
