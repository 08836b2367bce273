"""Test databases on both backends: a migrated SpatiaLite file and the private PostGIS cluster.

Every integration test runs once per backend. A missing PostGIS is a skip on a laptop and a
failure in CI (CI=true), so that a green run always means "tested on both".
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.db import migrate
from registry.db.engine import make_engine

BACKENDS = ["spatialite", "postgis"]


def all_tables() -> list[str]:
    """Every table the models define (so truncation never misses a new one)."""
    from registry.db.metadata import metadata

    return [t.name for t in metadata.sorted_tables]


def postgres_url() -> str:
    """The private cluster's URL, or fail (CI) / skip (laptop) when there is none."""
    url = os.environ.get("INFRASHARE_TEST_POSTGRES_URL")
    if not url:
        message = "INFRASHARE_TEST_POSTGRES_URL is not set: run the suite with `make test`"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"PostGIS is required in CI. {message}")
        pytest.skip(message)
    return url


class SpatiaLiteTemplate:
    """Migrate once, then copy the file for every test: a fresh database in milliseconds."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.template = directory / "template.db"
        engine = make_engine(f"sqlite:///{self.template}")
        migrate.upgrade(engine)
        engine.dispose()
        self.count = 0

    def fresh_url(self) -> str:
        self.count += 1
        path = self.directory / f"test{self.count}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"


class PostgisDatabase:
    """One migrated database, emptied between tests."""

    def __init__(self, url: str):
        self.url = url
        engine = make_engine(url)
        migrate.downgrade(engine)
        migrate.upgrade(engine)
        self.engine = engine

    def fresh_url(self) -> str:
        with self.engine.begin() as conn:
            tables = ", ".join(all_tables())
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return self.url
