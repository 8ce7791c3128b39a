"""The graph the canvas edits, with change events: the one source of truth for every view.

Views never change the graph directly: an edit becomes an undo command (``app.studio.edits``) on
an ``UndoStack``, the command calls one of the methods here, and whoever shows or saves the graph
follows ``events`` (napari's evented models). No Qt: the window's scene, inspector and autosave
connect to the events, and the same edits run in tests and scripts without a display.

Events (each with the id it concerns): ``node_added``, ``node_removed``, ``node_moved``,
``node_changed`` (settings or title: ports may have changed), ``edge_added``, ``edge_removed``;
without arguments: ``groups_changed``, ``reset`` (a whole new graph) and ``changed``, which
follows every other one and any rename.
"""

from __future__ import annotations

import itertools
from typing import Any

from app.events import Events
from app.studio import registry
from app.studio.graph import Edge, Graph, Group, Node, Position
from app.studio.ports import NodePorts


def node_ports(node: Node) -> NodePorts:
    """The ports a node shows; a node whose settings do not parse shows its type's default ports."""
    node_type = registry.get(node.type)
    if node_type is None:
        return NodePorts()
    try:
        return node_type.ports(node_type.Config.model_validate(node.config))
    except Exception:
        try:
            return node_type.ports(node_type.Config())
        except Exception:
            return NodePorts()


def default_config(node_type: registry.NodeType) -> dict[str, Any]:
    """A new node's settings: every default; fields without one stay unset (the node says so)."""
    try:
        return node_type.Config().model_dump(mode="json")
    except ValueError:
        props = node_type.Config.model_json_schema().get("properties", {})
        return {key: prop["default"] for key, prop in props.items() if "default" in prop}


def node_title(node: Node) -> str:
    if node.title:
        return node.title
    node_type = registry.get(node.type)
    return node_type.title if node_type is not None else node.type


EVENTS = (
    "node_added", "node_removed", "node_moved", "node_changed", "edge_added", "edge_removed",
    "groups_changed", "reset", "changed",
)  # fmt: skip


class GraphModel:
    """A ``Graph`` plus change events; every mutation goes through a method here."""

    def __init__(self, graph: Graph | None = None) -> None:
        self.events = Events(*EVENTS)
        self.graph = graph if graph is not None else Graph()
        self._nodes: dict[str, Node] = {n.id: n for n in self.graph.nodes}
        self._edges: dict[str, Edge] = {e.id: e for e in self.graph.edges}

    def _emit(self, name: str, *args: str) -> None:
        self.events.emit(name, *args)
        self.events.emit("changed")

    def set_graph(self, graph: Graph) -> None:
        self.graph = graph
        self._nodes = {n.id: n for n in graph.nodes}
        self._edges = {e.id: e for e in graph.edges}
        self._emit("reset")

    def rename(self, name: str) -> None:
        """Call the agent ``name`` (not an undoable edit: the name is the document's, like a file name)."""
        if name and name != self.graph.name:
            self.graph.name = name
            self.events.emit("changed")

    # reading
    def node(self, node_id: str) -> Node | None:
        return self._nodes.get(node_id)

    def edge(self, edge_id: str) -> Edge | None:
        return self._edges.get(edge_id)

    def edges_of(self, node_ids: set[str]) -> list[Edge]:
        return [e for e in self.graph.edges if e.source in node_ids or e.target in node_ids]

    def edge_into(self, node_id: str, port: str) -> Edge | None:
        return next((e for e in self.graph.edges if e.target == node_id and e.target_port == port), None)

    def new_id(self, prefix: str) -> str:
        taken = self._nodes.keys() | self._edges.keys() | {g.id for g in self.graph.groups}
        return next(f"{prefix}{i}" for i in itertools.count(1) if f"{prefix}{i}" not in taken)

    # writing
    def insert_node(self, node: Node, index: int | None = None) -> None:
        if index is None:
            self.graph.nodes.append(node)
        else:
            self.graph.nodes.insert(index, node)
        self._nodes[node.id] = node
        self._emit("node_added", node.id)

    def remove_node(self, node_id: str) -> tuple[Node, int]:
        node = self._nodes.pop(node_id)
        index = self.graph.nodes.index(node)
        del self.graph.nodes[index]
        self._emit("node_removed", node_id)
        return node, index

    def insert_edge(self, edge: Edge, index: int | None = None) -> None:
        if index is None:
            self.graph.edges.append(edge)
        else:
            self.graph.edges.insert(index, edge)
        self._edges[edge.id] = edge
        self._emit("edge_added", edge.id)

    def remove_edge(self, edge_id: str) -> tuple[Edge, int]:
        edge = self._edges.pop(edge_id)
        index = self.graph.edges.index(edge)
        del self.graph.edges[index]
        self._emit("edge_removed", edge_id)
        return edge, index

    def move_node(self, node_id: str, x: float, y: float) -> None:
        node = self._nodes[node_id]
        node.position = Position(x=x, y=y)
        self._emit("node_moved", node_id)

    def set_settings(self, node_id: str, config: dict[str, Any], title: str) -> None:
        node = self._nodes[node_id]
        node.config = dict(config)
        node.title = title
        self._emit("node_changed", node_id)

    def set_groups(self, groups: list[Group]) -> None:
        self.graph.groups = [g.model_copy(deep=True) for g in groups]
        self._emit("groups_changed")
