"""Backups of the whole registry (assets, workflow, tokens, audit and the change feed).

SpatiaLite: SQLite's online backup API, page by page, consistent even while others read and
write. PostGIS: `pg_dump --format=custom` and `pg_restore --clean`. A restore replaces
everything; a running server notices that the change feed went back and rebuilds its index
(see api.auth.cache), but stop it first where you can.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import Engine

from registry.db.engine import is_sqlite
from registry.errors import ValidationFailed

log = logging.getLogger(__name__)

NOT_A_BACKUP = "is not an InfraShare backup (it holds no registry): give a file that "
NOT_A_BACKUP += "`flask --app api backup FILE` wrote"
PG_BIN = Path(os.environ.get("INFRASHARE_PG_BIN", "/usr/lib/postgresql/15/bin"))
SQLITE_PAGES_PER_STEP = 1024  # copy in steps, so that writers are not blocked for long


class BackupFailed(ValidationFailed):
    code = "backup_failed"


def _sqlite_connect(path: Path):
    import pysqlite3.dbapi2 as sqlite_dbapi

    return sqlite_dbapi.connect(str(path))


def _copy_sqlite(source, target) -> None:
    source.backup(target, pages=SQLITE_PAGES_PER_STEP)


def _libpq(engine: Engine) -> tuple[str, dict]:
    """(a libpq URI without the password, the environment carrying it)."""
    url = engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _run(tool: str, args: list[str], env: dict) -> str:
    """The tool's output; BackupFailed with its last line of errors when it fails."""
    exe = PG_BIN / tool
    if not exe.exists():
        exe = Path(shutil.which(tool) or tool)
    done = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        log.error("%s failed: %s", tool, done.stderr)
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise BackupFailed("file", f"{tool} failed: {last}")
    return done.stdout


def _holds_registry_sqlite(source) -> bool:
    # Every InfraShare database has its migration table; an empty file opens as a database
    # with no tables at all, and copying it over would wipe the registry.
    found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    return source.execute(found).fetchone() is not None


def _holds_registry_pg(path: Path, env: dict) -> bool:
    try:
        listing = _run("pg_restore", ["--list", str(path)], env)
    except BackupFailed:
        return False
    return any(" TABLE " in line and " alembic_version " in line for line in listing.splitlines())


def backup(engine: Engine, path: Path) -> None:
    """Write a consistent copy of the database to `path` (replaced if it exists)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupFailed("file", f"{path.parent} is not a folder: create it first")
    if is_sqlite(engine):
        tmp = path.with_name(path.name + ".partial")
        tmp.unlink(missing_ok=True)
        raw = engine.raw_connection()
        try:
            target = _sqlite_connect(tmp)
            try:
                _copy_sqlite(raw.driver_connection, target)
            finally:
                target.close()
        finally:
            raw.close()
        tmp.replace(path)  # never leave a half-written backup under the real name
        return
    uri, env = _libpq(engine)
    _run("pg_dump", ["--format=custom", "--no-owner", f"--file={path}", f"--dbname={uri}"], env)


def restore(engine: Engine, path: Path) -> None:
    """Replace the database's contents with the backup at `path`."""
    path = Path(path)
    if not path.is_file():
        raise BackupFailed("file", f"{path} is not a file")
    engine.dispose()  # no pooled connection keeps the old state
    if is_sqlite(engine):
        source = _sqlite_connect(path)
        try:
            if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupFailed("file", f"{path} is not a sound SQLite database")
            if not _holds_registry_sqlite(source):
                raise BackupFailed("file", f"{path} {NOT_A_BACKUP}")
            raw = engine.raw_connection()
            try:
                _copy_sqlite(source, raw.driver_connection)
            finally:
                raw.close()
        except Exception as exc:
            if isinstance(exc, BackupFailed):
                raise
            raise BackupFailed("file", f"{path} is not a SQLite backup ({exc})") from None
        finally:
            source.close()
        engine.dispose()
        return
    uri, env = _libpq(engine)
    if not _holds_registry_pg(path, env):
        raise BackupFailed("file", f"{path} {NOT_A_BACKUP}")
    # One transaction: a backup that fails half-way leaves the database as it was.
    args = ["--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={uri}"]
    _run("pg_restore", [*args, str(path)], env)
    engine.dispose()
