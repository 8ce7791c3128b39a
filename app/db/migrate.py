"""Apply Alembic migrations at start without ever risking the user's database.

A migration runs on a copy of the database; only when every step succeeded does the copy replace
the original (an atomic rename). So a failing migration leaves the file exactly as it was, and the
error is raised as ``MigrationError`` for the UI or the CLI to show.

Almost every start finds the database already current. Telling so costs no Alembic (~160 ms of
imports): the scripts' ``revision``/``down_revision`` literals are read with ``ast`` and the stored
revision with plain ``sqlite3``. Anything that reading cannot settle for sure (no single head, a
script that computes its ids, an unreadable file) goes through Alembic, as does every migration.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


class MigrationError(RuntimeError):
    """The database could not be brought up to date; the original file is unchanged."""


def alembic_config(db_path: Path) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{db_path}")
    cfg.attributes["configure_logger"] = False
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(Path("unused.db"))).get_current_head()


def current_revision(db_path: Path) -> str | None:
    """The revision the database file is at (None for a new or empty database)."""
    if not db_path.exists():
        return None
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    # Read-only and without the WAL pragma: asking must never change the file.
    engine = create_engine(f"sqlite:///file:{db_path}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def is_current(db_path: Path) -> bool:
    return current_revision(db_path) == head_revision()


def _script_ids(script: Path) -> tuple[str, object] | None:
    """``(revision, down_revision)`` as literals at a script's top level; None if not literals."""
    found: dict[str, object] = {}
    for node in ast.parse(script.read_bytes(), str(script)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                return None
    revision = found.get("revision")
    if not isinstance(revision, str) or "down_revision" not in found:
        return None
    return revision, found["down_revision"]


def _quick_head() -> str | None:
    """The scripts' one head, read without Alembic (the files it would load, as it names them);
    None when that is not certain: Alembic decides then."""
    downs: set[str] = set()
    revisions: set[str] = set()
    try:
        for script in (MIGRATIONS / "versions").glob("*.py"):
            if script.name.startswith(("__init__", ".#")):
                continue
            ids = _script_ids(script)
            if ids is None or ids[0] in revisions:
                return None
            revisions.add(ids[0])
            down = ids[1]
            if isinstance(down, str):
                downs.add(down)
            elif isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
                downs.update(down)
            elif down is not None:
                return None
    except (OSError, SyntaxError, ValueError):
        return None
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def _stored_revisions(db_path: Path) -> list[str] | None:
    """The rows of ``alembic_version``, read-only through sqlite3 ([] without the table); None on
    any error."""
    try:
        uri = f"{db_path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
            try:
                rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            except sqlite3.OperationalError:
                if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
                    return None  # the table is there but unreadable: let Alembic look
                return []
    except (sqlite3.Error, OSError, ValueError):
        return None
    return [row[0] for row in rows]


def _already_at_head(db_path: Path) -> str | None:
    """The head revision if ``db_path`` is certainly at it (without importing Alembic), else None."""
    head = _quick_head()
    if head is not None and _stored_revisions(db_path) == [head]:
        return head
    return None


def _copy_database(src: Path, dst: Path) -> None:
    """Consistent copy of a live WAL database through SQLite's backup API."""
    with (
        contextlib.closing(sqlite3.connect(src)) as source,
        contextlib.closing(sqlite3.connect(dst)) as target,
    ):
        source.backup(target)


def upgrade(db_path: Path, target: str = "head") -> str | None:
    """Bring ``db_path`` to ``target``; returns the new revision. Raises ``MigrationError``."""
    if target == "head" and db_path.exists():
        head = _already_at_head(db_path)
        if head is not None:
            return head
        head = head_revision()
        if current_revision(db_path) == head:
            return head
    from alembic import command

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
