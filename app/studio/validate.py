"""Graph validation: every problem as a message attached to the node (and edge or port) it is about.

The canvas shows these on the nodes; the executor refuses to start while any remain. Checks: unknown
node type, invalid settings, edges to missing nodes or ports, type mismatches, cycles, required
inputs left unwired, duplicate ids.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.studio import registry
from app.studio.graph import Edge, Graph, Node
from app.studio.ports import NodePorts, compatible
from app.studio.registry import NodeType


@dataclass(frozen=True)
class Issue:
    """One problem. ``node_id`` is None only for graph-wide problems (e.g. a group)."""

    node_id: str | None
    code: str  # e.g. unknown-type, bad-config, type-mismatch, cycle, missing-input
    message: str
    edge_id: str | None = None
    port: str | None = None

    def __str__(self) -> str:
        where = f"node {self.node_id}" if self.node_id else "graph"
        return f"{where}: {self.message}"


@dataclass
class Resolved:
    """A node with its type, parsed settings and ports: what the executor runs."""

    node: Node
    type: NodeType
    config: Any
    ports: NodePorts


@dataclass
class CheckedGraph:
    nodes: dict[str, Resolved] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)  # the wires between existing nodes and ports
    order: list[str] = field(default_factory=list)  # topological; empty when there is a cycle


def _config_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"setting {where!r}: {first['msg']}" if where else first["msg"]


def _resolve(node: Node, issues: list[Issue]) -> Resolved | None:
    node_type = registry.get(node.type)
    if node_type is None:
        issues.append(Issue(node.id, "unknown-type", f"unknown node type {node.type!r}"))
        return None
    try:
        config = node_type.Config.model_validate(node.config)
    except ValidationError as exc:
        issues.append(Issue(node.id, "bad-config", _config_message(exc)))
        return None
    problems = node_type.check(config)
    if problems:
        issues.extend(Issue(node.id, "bad-config", p) for p in problems)
        return None
    return Resolved(node, node_type, config, node_type.ports(config))


def _check_edge(edge: Edge, graph_ids: set[str], nodes: dict[str, Resolved], issues: list[Issue]) -> bool:
    for end in (edge.source, edge.target):
        if end not in graph_ids:
            anchor = edge.target if edge.target in graph_ids else edge.source
            issues.append(Issue(anchor, "bad-edge", f"wire to a missing node {end!r}", edge_id=edge.id))
            return False
    src, dst = nodes.get(edge.source), nodes.get(edge.target)
    if src is None or dst is None:
        return True  # that node already has an issue; the wire still counts for order and cycles
    out, inp = src.ports.output(edge.source_port), dst.ports.input(edge.target_port)
    if out is None:
        issues.append(
            Issue(edge.source, "bad-edge", f"no output {edge.source_port!r}", edge.id, edge.source_port)
        )
        return False
    if inp is None:
        issues.append(
            Issue(edge.target, "bad-edge", f"no input {edge.target_port!r}", edge.id, edge.target_port)
        )
        return False
    if not compatible(out.type, inp.type):
        issues.append(
            Issue(
                edge.target,
                "type-mismatch",
                f"input {inp.name!r} takes {inp.type.value}, but {edge.source}.{out.name} gives "
                f"{out.type.value}",
                edge.id,
                inp.name,
            )
        )
    return True


def _order(ids: list[str], edges: list[Edge]) -> tuple[list[str], set[str]]:
    """Kahn's topological order (document order among equals) and the nodes on cycles."""
    succ: dict[str, set[str]] = defaultdict(set)
    pred: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        succ[e.source].add(e.target)
        pred[e.target].add(e.source)
    indeg = {i: len(pred[i]) for i in ids}
    position = {i: k for k, i in enumerate(ids)}
    ready = deque(i for i in ids if indeg[i] == 0)
    order: list[str] = []
    while ready:
        current = ready.popleft()
        order.append(current)
        for nxt in sorted(succ[current], key=position.__getitem__):
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                ready.append(nxt)
    # What is left lies on or behind a cycle; peel off what merely hangs behind one.
    left = set(ids) - set(order)
    changed = True
    while changed:
        changed = False
        for i in list(left):
            if not succ[i] & left:
                left.discard(i)
                changed = True
    return order, left


def check(graph: Graph) -> CheckedGraph:
    """Resolve and validate ``graph``; the result carries issues and, if none, the run order."""
    result = CheckedGraph()
    seen: set[str] = set()
    for node in graph.nodes:
        if node.id in seen:
            result.issues.append(Issue(node.id, "duplicate-id", f"two nodes have the id {node.id!r}"))
            continue
        seen.add(node.id)
        resolved = _resolve(node, result.issues)
        if resolved is not None:
            result.nodes[node.id] = resolved
    edge_ids: set[str] = set()
    edges: list[Edge] = []
    for edge in graph.edges:
        if edge.id in edge_ids:
            result.issues.append(
                Issue(edge.target, "duplicate-id", f"two wires have the id {edge.id!r}", edge_id=edge.id)
            )
        edge_ids.add(edge.id)
        if _check_edge(edge, seen, result.nodes, result.issues):
            edges.append(edge)
    wired = {(e.target, e.target_port) for e in edges}
    for nid, res in result.nodes.items():
        for port in res.ports.inputs:
            if port.required and (nid, port.name) not in wired:
                result.issues.append(
                    Issue(nid, "missing-input", f"required input {port.name!r} is not wired", port=port.name)
                )
    for group in graph.groups:
        for missing in [n for n in group.node_ids if n not in seen]:
            message = f"group {group.title!r} names a missing node {missing!r}"
            result.issues.append(Issue(None, "bad-group", message))
    order, on_cycle = _order([n.id for n in graph.nodes if n.id in seen], edges)
    for nid in sorted(on_cycle):
        result.issues.append(Issue(nid, "cycle", "is part of a cycle: a wire leads back to it"))
    result.edges = edges
    result.order = [] if on_cycle else order
    return result


def validate(graph: Graph) -> list[Issue]:
    """All problems in ``graph`` (empty when it can run)."""
    return check(graph).issues
