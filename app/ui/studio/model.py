"""The graph the canvas edits, wrapped with Qt signals: the one source of truth for every view.

Views never change the scene directly: an edit becomes an undo command, the command calls one of
the methods here, and the scene, inspector and autosave follow the signals.
"""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import QObject, Signal

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


class GraphModel(QObject):
    """A ``Graph`` plus change signals; every mutation goes through a method here."""

    node_added = Signal(str)
    node_removed = Signal(str)
    node_moved = Signal(str)
    node_changed = Signal(str)  # settings or title: ports may have changed
    edge_added = Signal(str)
    edge_removed = Signal(str)
    groups_changed = Signal()
    reset = Signal()
    changed = Signal()  # after any of the above

    def __init__(self, graph: Graph | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.graph = graph if graph is not None else Graph()
        self._nodes: dict[str, Node] = {n.id: n for n in self.graph.nodes}
        self._edges: dict[str, Edge] = {e.id: e for e in self.graph.edges}

    def set_graph(self, graph: Graph) -> None:
        self.graph = graph
        self._nodes = {n.id: n for n in graph.nodes}
        self._edges = {e.id: e for e in graph.edges}
        self.reset.emit()
        self.changed.emit()

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
        self.node_added.emit(node.id)
        self.changed.emit()

    def remove_node(self, node_id: str) -> tuple[Node, int]:
        node = self._nodes.pop(node_id)
        index = self.graph.nodes.index(node)
        del self.graph.nodes[index]
        self.node_removed.emit(node_id)
        self.changed.emit()
        return node, index

    def insert_edge(self, edge: Edge, index: int | None = None) -> None:
        if index is None:
            self.graph.edges.append(edge)
        else:
            self.graph.edges.insert(index, edge)
        self._edges[edge.id] = edge
        self.edge_added.emit(edge.id)
        self.changed.emit()

    def remove_edge(self, edge_id: str) -> tuple[Edge, int]:
        edge = self._edges.pop(edge_id)
        index = self.graph.edges.index(edge)
        del self.graph.edges[index]
        self.edge_removed.emit(edge_id)
        self.changed.emit()
        return edge, index

    def move_node(self, node_id: str, x: float, y: float) -> None:
        node = self._nodes[node_id]
        node.position = Position(x=x, y=y)
        self.node_moved.emit(node_id)
        self.changed.emit()

    def set_settings(self, node_id: str, config: dict[str, Any], title: str) -> None:
        node = self._nodes[node_id]
        node.config = dict(config)
        node.title = title
        self.node_changed.emit(node_id)
        self.changed.emit()

    def set_groups(self, groups: list[Group]) -> None:
        self.graph.groups = [g.model_copy(deep=True) for g in groups]
        self.groups_changed.emit()
        self.changed.emit()
