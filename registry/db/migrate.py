"""Run the Alembic history programmatically: upgrade, downgrade and the current revision."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def _config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (default: the newest)."""
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)
    log.info("database upgraded to %s", revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the schema down to `revision` (default: empty)."""
    with engine.begin() as connection:
        command.downgrade(_config(connection), revision)
    log.info("database downgraded to %s", revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
