"""Backups of the whole registry (assets, workflow, tokens, audit and the change feed).

SpatiaLite: SQLite's online backup API, page by page, consistent even while others read and
write. PostGIS: `pg_dump --format=custom` and `pg_restore --clean`. A restore replaces
everything, and is itself a change: it appends a `registry`/`restored` entry to the change
feed numbered above every seq either history used (the one replaced and the backup's). So
the seq never goes back: a running server's index sees that entry in its catch-up and
rebuilds (registry.engine.source), its token cache drops what it holds
(registry.access.token_feed), and nothing keyed by seq (tiles, ETags) can be mistaken for
the history the restore left, however many writes follow. Stop the server first where you
can all the same.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registry.db.engine import is_sqlite
from registry.errors import ValidationFailed
from registry.inventory.models import Change, utcnow

log = logging.getLogger(__name__)

NOT_A_BACKUP = "is not an InfraShare backup (it holds no registry): give a file that "
NOT_A_BACKUP += "`flask --app api backup FILE` wrote"
PG_BIN = Path(os.environ.get("INFRASHARE_PG_BIN", "/usr/lib/postgresql/15/bin"))
SQLITE_PAGES_PER_STEP = 1024  # copy in steps, so that writers are not blocked for long
RESTORE_ENTITY, RESTORE_OP = "registry", "restored"  # the change-feed entry of a restore


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


def _pg_listing(path: Path, env: dict) -> str | None:
    """The backup's table of contents (`pg_restore --list`), or None when it is not one."""
    try:
        listing = _run("pg_restore", ["--list", str(path)], env)
    except BackupFailed:
        return None
    lines = listing.splitlines()
    held = any(" TABLE " in line and " alembic_version " in line for line in lines)
    return listing if held else None


def _without_extensions(listing: str) -> str:
    """The table of contents less its extensions (postgis), for a database that has them.

    `--clean` would drop and re-create the extension, and PostGIS's functions keep the
    operator and type numbers they looked up per connection: every connection a running
    server has open would then fail its spatial queries ("no spatial operator found for
    'st_intersects'") until it is closed."""
    return "\n".join(line for line in listing.splitlines() if " EXTENSION " not in line)


def _has_postgis(engine: Engine) -> bool:
    with engine.connect() as conn:
        found = conn.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'"))
    engine.dispose()
    return found is not None


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
    replaced = _newest_seq(engine)
    _replace(engine, path)
    _append_restore(engine, replaced)


def _newest_seq(engine: Engine) -> int:
    """The newest change-feed seq of the database about to be replaced (0 when it has none,
    or no registry at all yet)."""
    try:
        with engine.connect() as conn:
            return _max_seq(conn)
    except sa.exc.DBAPIError:  # no change_feed table: nothing was served from it
        return 0
    finally:
        engine.dispose()  # no pooled connection keeps the old state


def _max_seq(conn) -> int:
    """The newest change-feed seq on this connection (0 for an empty feed)."""
    return conn.scalar(sa.select(sa.func.coalesce(sa.func.max(Change.seq), 0))) or 0


def _append_restore(engine: Engine, replaced: int) -> None:
    """The restore's own change-feed entry, above every seq of both histories."""
    with engine.begin() as conn:
        seq = max(replaced, _max_seq(conn)) + 1
        conn.execute(sa.insert(Change).values(seq=seq, asset_id=0, entity=RESTORE_ENTITY,
                                              op=RESTORE_OP, at=utcnow()))  # fmt: skip
        if not is_sqlite(engine):  # SQLite's AUTOINCREMENT follows the largest seq by itself
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('change_feed', 'seq'), "
                                 ":seq)"), {"seq": seq})  # fmt: skip
    engine.dispose()
    log.info("restored: change feed goes on at seq %d (the replaced database was at %d)",
             seq, replaced)  # fmt: skip


def _replace(engine: Engine, path: Path) -> None:
    """Replace the database's contents with the backup at `path` (checked first)."""
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
    listing = _pg_listing(path, env)
    if listing is None:
        raise BackupFailed("file", f"{path} {NOT_A_BACKUP}")
    # One transaction: a backup that fails half-way leaves the database as it was.
    args = ["--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={uri}"]
    with tempfile.NamedTemporaryFile("w", suffix=".toc") as toc:
        if _has_postgis(engine):
            toc.write(_without_extensions(listing))
            toc.flush()
            args.append(f"--use-list={toc.name}")
        _run("pg_restore", [*args, str(path)], env)
    engine.dispose()
