"""Reading and writing graph files, with schema migrations.

A file records its ``schema_version``. Reading applies each registered upgrade in order (a pure
function on the raw dict, so an old file never has to fit today's model first), then validates.
Reading never writes: an invalid or newer file gives a clear ``GraphFileError`` and stays as it
is. Writing is atomic, so a crash never leaves half a graph.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.fileio import atomic_write_text
from app.studio.graph import SCHEMA_VERSION, Graph

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]
# from-version -> function returning the document at from-version + 1.
UPGRADES: dict[int, Upgrade] = {}


class GraphFileError(ValueError):
    """A graph file or document that cannot be used; the message says why and where."""


def upgrade(from_version: int) -> Callable[[Upgrade], Upgrade]:
    """Register the function that turns a version ``from_version`` document into the next one."""

    def decorate(fn: Upgrade) -> Upgrade:
        if from_version in UPGRADES:
            raise ValueError(f"two upgrades from schema version {from_version}")
        UPGRADES[from_version] = fn
        return fn

    return decorate


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring a raw document to ``SCHEMA_VERSION``; raises ``GraphFileError`` if it cannot."""
    version = raw.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise GraphFileError("not a Sahara agent graph: no integer schema_version")
    if version > SCHEMA_VERSION:
        raise GraphFileError(
            f"made by a newer Sahara (schema version {version}; this app reads up to {SCHEMA_VERSION})"
        )
    while version < SCHEMA_VERSION:
        step = UPGRADES.get(version)
        if step is None:
            raise GraphFileError(f"no upgrade from schema version {version}")
        raw = step(dict(raw))
        version += 1
        raw["schema_version"] = version
    return raw


def parse_graph(raw: Any) -> Graph:
    """A ``Graph`` from decoded JSON, migrated and checked against the document model."""
    if not isinstance(raw, dict):
        raise GraphFileError("not a Sahara agent graph: the top level must be a JSON object")
    try:
        return Graph.model_validate(migrate(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise GraphFileError(f"{where}: {first['msg']}{more}") from None


def load_graph(path: Path) -> Graph:
    """Read a graph file; the file is only read, whatever is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GraphFileError(f"{path}: cannot read: {exc}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GraphFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    try:
        return parse_graph(raw)
    except GraphFileError as exc:
        raise GraphFileError(f"{path}: {exc}") from None


def save_graph(path: Path, graph: Graph) -> None:
    """Write ``graph`` atomically (temp file, fsync, rename)."""
    atomic_write_text(path, graph.to_json(), mode=0o644)
