"""The agent graph document: nodes with positions and settings, edges between ports, groups.

This is the one source of truth the canvas edits and the executor runs. It is plain data (pydantic,
JSON on disk); what a node *is* (ports, behaviour) comes from the node library, so the document
stays valid when a node type gains an option. Notes are nodes of type ``note``; a subgraph is a
``subgraph`` node that holds a whole document in its config.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
# Levels of graphs, the top one included: subgraphs nest at most MAX_DEPTH - 1 deep. Files deeper
# than that are refused on reading, and the executor stops a run that would go deeper.
MAX_DEPTH = 16
Id = Field(min_length=1, max_length=128)


class _Strict(BaseModel):
    # A misspelt key in a hand-edited file is an error, not silently dropped data.
    model_config = ConfigDict(extra="forbid")


class Position(_Strict):
    x: float = 0.0
    y: float = 0.0


class Node(_Strict):
    id: str = Id
    type: str = Field(min_length=1, max_length=64)
    title: str = ""
    position: Position = Field(default_factory=Position)
    config: dict[str, Any] = Field(default_factory=dict)
    # None: the node type's default. Reached, the node fails with a timeout error.
    timeout_s: float | None = Field(default=None, gt=0)


class Edge(_Strict):
    id: str = Id
    source: str
    source_port: str
    target: str
    target_port: str


class Group(_Strict):
    id: str = Id
    title: str = ""
    node_ids: list[str] = Field(default_factory=list)
    color: str | None = None


class Graph(_Strict):
    schema_version: int = SCHEMA_VERSION
    name: str = "Untitled agent"
    description: str = ""
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def to_json(self) -> str:
        """The file form: stable key order and indentation, so versions diff cleanly."""
        return self.model_dump_json(indent=2) + "\n"

    def content_hash(self) -> str:
        """Identifies this exact graph in run history (positions included: it is the file's hash)."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()
