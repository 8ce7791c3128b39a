"""What a run reports while it goes: plain frozen dataclasses the UI adapts to signals.

Node ids of nodes inside a subgraph are ``"<subgraph node id>/<inner id>"``, so a trace tree can be
built from the ids alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

RunStatus = Literal["ok", "error", "cancelled"]
NodeStatus = Literal["ok", "error", "cached", "skipped", "cancelled"]


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: str
    graph_name: str


@dataclass(frozen=True, slots=True)
class NodeStarted:
    node_id: str


@dataclass(frozen=True, slots=True)
class NodeToken:
    """A piece of streamed output (an LLM token), as soon as the node produced it."""

    node_id: str
    port: str
    text: str


@dataclass(frozen=True, slots=True)
class NodeCached:
    """The node's outputs came from the cache: it did not run."""

    node_id: str
    outputs: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NodeFinished:
    node_id: str
    outputs: dict[str, Any]
    duration_s: float
    tokens: int


@dataclass(frozen=True, slots=True)
class NodeFailed:
    node_id: str
    error: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class NodeSkipped:
    """Not run: an input it needs came from a failed node or from a branch a router did not take."""

    node_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class RunFinished:
    run_id: str
    status: RunStatus
    outputs: dict[str, Any]
    error: str | None


Event = (
    RunStarted | NodeStarted | NodeToken | NodeCached | NodeFinished | NodeFailed | NodeSkipped | RunFinished
)


@dataclass(slots=True)
class NodeTrace:
    """What one node did in one run; stored as run history."""

    node_id: str
    node_type: str
    status: NodeStatus
    started_at: datetime
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    tokens: int = 0
    error: str | None = None


@dataclass(slots=True)
class RunResult:
    run_id: str
    graph_name: str
    graph_hash: str
    status: RunStatus
    outputs: dict[str, Any]
    error: str | None
    started_at: datetime
    finished_at: datetime
    inputs: dict[str, Any] = field(default_factory=dict)
    traces: list[NodeTrace] = field(default_factory=list)
