"""Reading and writing graph files, with schema migrations.

A file records its ``schema_version``. Reading applies each registered upgrade in order (a pure
function on the raw dict, so an old file never has to fit today's model first), then validates.
Reading never writes: an invalid or newer file gives a clear ``GraphFileError`` and stays as it
is. Writing is atomic, so a crash never leaves half a graph.

An exported agent (``export_agent``) also lists the models its nodes use under ``"models"``: each
with its reference and, for files, size and SHA-256 (see ``app.studio.model_refs``), so whoever
imports it can tell which models are missing or differ (``read_agent`` + ``missing_models``).
The list describes the file; reading a graph sets it aside.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app import safe_json
from app.fileio import atomic_write_text
from app.studio.graph import MAX_DEPTH, SCHEMA_VERSION, Graph

MODELS_KEY = "models"
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


def _split_models(raw: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    models = raw.get(MODELS_KEY, [])
    if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
        raise GraphFileError(f"{MODELS_KEY}: must be a list of objects")
    return {k: v for k, v in raw.items() if k != MODELS_KEY}, models


def subgraph_depth(raw: dict[str, Any]) -> int:
    """How many levels of graphs a raw document holds (1: no subgraph), counted without recursion,
    so a hostile file cannot exhaust the stack before it is refused."""
    deepest, pending = 0, [(raw, 1)]
    while pending:
        document, depth = pending.pop()
        deepest = max(deepest, depth)
        nodes = document.get("nodes")
        for node in nodes if isinstance(nodes, list) else ():
            config = node.get("config") if isinstance(node, dict) and node.get("type") == "subgraph" else None
            inner = config.get("graph") if isinstance(config, dict) else None
            if isinstance(inner, dict):
                pending.append((inner, depth + 1))
    return deepest


def parse_agent(raw: Any) -> tuple[Graph, list[dict[str, Any]]]:
    """A ``Graph`` from decoded JSON, migrated and checked, and the models list an export carries."""
    if not isinstance(raw, dict):
        raise GraphFileError("not a Sahara agent graph: the top level must be a JSON object")
    if (levels := subgraph_depth(raw)) > MAX_DEPTH:
        raise GraphFileError(
            f"subgraphs nest {levels - 1} levels deep: at most {MAX_DEPTH - 1} are allowed (flatten some)"
        )
    document, models = _split_models(migrate(raw))
    try:
        return Graph.model_validate(document), models
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise GraphFileError(f"{where}: {first['msg']}{more}") from None


def parse_graph(raw: Any) -> Graph:
    """A ``Graph`` from decoded JSON, migrated and checked against the document model."""
    return parse_agent(raw)[0]


def load_graph(path: Path) -> Graph:
    """Read a graph file; the file is only read, whatever is wrong with it."""
    return read_agent(path)[0]


def read_agent(path: Path) -> tuple[Graph, list[dict[str, Any]]]:
    """Read a graph or exported agent file: the graph and the models it lists (empty for drafts)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GraphFileError(f"{path}: cannot read: {exc}") from None
    try:
        raw = safe_json.loads(text)
    except json.JSONDecodeError as exc:
        raise GraphFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except safe_json.JsonDepthError as exc:
        raise GraphFileError(f"{path}: nested too deeply for an agent graph ({exc})") from None
    try:
        return parse_agent(raw)
    except GraphFileError as exc:
        raise GraphFileError(f"{path}: {exc}") from None


def save_graph(path: Path, graph: Graph) -> None:
    """Write ``graph`` atomically (temp file, fsync, rename)."""
    atomic_write_text(path, graph.to_json(), mode=0o644)


def _model_refs(graph: Graph) -> Iterator[str]:
    from app.studio import registry

    for node in graph.nodes:
        node_type = registry.get(node.type)
        refs = getattr(node_type, "model_refs", None)
        if node_type is None:
            continue
        try:
            config = node_type.Config.model_validate(node.config)
        except ValueError:
            continue  # a node whose settings do not parse names no model we can trust
        if refs is not None:
            yield from refs(config)
        inner = getattr(config, "graph", None)
        if isinstance(inner, Graph):  # a subgraph: its models travel with it
            yield from _model_refs(inner)


def model_references(graph: Graph) -> list[str]:
    """Every model reference the graph's nodes use (subgraphs included), each once, in graph order."""
    return list(dict.fromkeys(_model_refs(graph)))


def export_agent(path: Path, graph: Graph) -> list[dict[str, Any]]:
    """Write ``graph`` as a ``.sahara-agent`` file listing the models it uses; returns that list.

    Files are hashed here (in the caller's thread: the UI calls this from a worker thread)."""
    from app.studio.model_refs import manifest_entry

    models = [manifest_entry(ref) for ref in model_references(graph)]
    document = json.loads(graph.to_json())
    ordered = {k: document.pop(k) for k in ("schema_version", "name", "description")}
    text = json.dumps({**ordered, MODELS_KEY: models, **document}, indent=2, ensure_ascii=False)
    atomic_write_text(path, text + "\n", mode=0o644)
    return models


def missing_models(models: list[dict[str, Any]]) -> list[str]:
    """For each model an imported agent lists that is not here as exported: why, in words."""
    from app.studio.model_refs import check_entry

    return [problem for entry in models if (problem := check_entry(entry)) is not None]
