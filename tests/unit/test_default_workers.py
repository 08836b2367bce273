"""How many worker processes `make run`'s gunicorn starts when INFRASHARE_WORKERS is not set:
one per core on SpatiaLite (every request is CPU in the worker itself), two per core on
PostgreSQL (a worker waits on the server's answers)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.config import default_workers

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "cores", "expected"),
    [
        ("sqlite:////srv/infrashare.db", 2, 2),
        ("sqlite:////srv/infrashare.db", 8, 8),
        ("postgresql+psycopg://infrashare@db/infrashare", 2, 4),
        ("postgresql+psycopg://infrashare@db/infrashare", 8, 16),
        ("sqlite:////srv/infrashare.db", 0, 1),  # an unknown core count still serves
    ],
)
def test_default_workers_by_backend(url, cores, expected):
    assert default_workers(cores, url) == expected


def test_default_workers_follows_the_configured_database(monkeypatch):
    monkeypatch.setenv("INFRASHARE_DATABASE_URL", "postgresql+psycopg://x@db/y")
    assert default_workers(3) == 6
    monkeypatch.setenv("INFRASHARE_DATABASE_URL", "sqlite:////tmp/x.db")
    assert default_workers(3) == 3


def _conf_workers(tmp_path: Path, **env) -> int:
    """gunicorn_conf.py's `workers`, read in a fresh process as gunicorn reads the file."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INFRASHARE_")}
    clean |= {
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "INFRASHARE_RATE_LIMIT_STORAGE": f"shmfile://{tmp_path / 'rl.shm'}",
        "INFRASHARE_TILE_CACHE_DIR": str(tmp_path / "tiles"),
        **env,
    }
    code = "import runpy; print(runpy.run_path('api/gunicorn_conf.py')['workers'])"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=clean,
                          capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
    return int(done.stdout.split()[-1])


def test_gunicorn_conf_uses_the_default_unless_told(tmp_path):
    cores = multiprocessing.cpu_count()
    sqlite = f"sqlite:///{tmp_path / 'x.db'}"
    assert _conf_workers(tmp_path, INFRASHARE_DATABASE_URL=sqlite) == cores
    postgres = "postgresql+psycopg://x@db/y"
    assert _conf_workers(tmp_path, INFRASHARE_DATABASE_URL=postgres) == 2 * cores
    assert _conf_workers(tmp_path, INFRASHARE_DATABASE_URL=sqlite, INFRASHARE_WORKERS="5") == 5
