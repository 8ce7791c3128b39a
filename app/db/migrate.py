"""Apply Alembic migrations at start without ever risking the user's database.

A migration runs on a copy of the database; only when every step succeeded does the copy replace
the original (an atomic rename). So a failing migration leaves the file exactly as it was, and the
error is raised as ``MigrationError`` for the UI or the CLI to show.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


class MigrationError(RuntimeError):
    """The database could not be brought up to date; the original file is unchanged."""


def alembic_config(db_path: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{db_path}")
    cfg.attributes["configure_logger"] = False
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config(Path("unused.db"))).get_current_head()


def current_revision(db_path: Path) -> str | None:
    """The revision the database file is at (None for a new or empty database)."""
    if not db_path.exists():
        return None
    # Read-only and without the WAL pragma: asking must never change the file.
    engine = create_engine(f"sqlite:///file:{db_path}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def is_current(db_path: Path) -> bool:
    return current_revision(db_path) == head_revision()


def _copy_database(src: Path, dst: Path) -> None:
    """Consistent copy of a live WAL database through SQLite's backup API."""
    with (
        contextlib.closing(sqlite3.connect(src)) as source,
        contextlib.closing(sqlite3.connect(dst)) as target,
    ):
        source.backup(target)


def upgrade(db_path: Path, target: str = "head") -> str | None:
    """Bring ``db_path`` to ``target``; returns the new revision. Raises ``MigrationError``."""
    if db_path.exists() and current_revision(db_path) == head_revision() and target == "head":
        return head_revision()
    work = db_path.with_name(db_path.name + ".migrating")
    for leftover in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        if db_path.exists():
            _copy_database(db_path, work)
        command.upgrade(alembic_config(work), target)
        revision = current_revision(work)
        # Fold the WAL into the main file so the rename moves a complete database.
        with contextlib.closing(sqlite3.connect(work)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception as exc:
        for leftover in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
            leftover.unlink(missing_ok=True)
        log.error("database migration failed; %s is unchanged: %s", db_path, exc)
        raise MigrationError(
            f"Database migration failed ({exc}); your database {db_path} is unchanged."
        ) from exc
    for stale in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        stale.unlink(missing_ok=True)
    os.replace(work, db_path)
    log.info("database %s migrated to %s", db_path, revision)
    return revision
