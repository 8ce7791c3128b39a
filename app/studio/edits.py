"""The studio's edits as undo commands: every change to an agent's graph is one of these.

The editor pushes them on its ``UndoStack``; each changes the ``GraphModel`` only through its
methods, so every view follows the model's events whether the edit is done, undone or redone.
"""

from __future__ import annotations

from typing import Any

from app.studio.graph import Edge, Graph, Group, Node
from app.studio.graph_model import GraphModel
from app.studio.undo import Command


class AddItemsCommand(Command):
    """Add nodes and the wires between them (add from palette, paste, duplicate)."""

    def __init__(self, model: GraphModel, nodes: list[Node], edges: list[Edge], text: str) -> None:
        super().__init__(text)
        self.model = model
        self.nodes = nodes
        self.edges = edges

    def redo(self) -> None:
        for node in self.nodes:
            self.model.insert_node(node.model_copy(deep=True))
        for edge in self.edges:
            self.model.insert_edge(edge.model_copy())

    def undo(self) -> None:
        for edge in reversed(self.edges):
            self.model.remove_edge(edge.id)
        for node in reversed(self.nodes):
            self.model.remove_node(node.id)


class RemoveItemsCommand(Command):
    """Delete nodes (with their wires) and wires; undo puts them back where they were."""

    def __init__(
        self, model: GraphModel, node_ids: set[str], edge_ids: set[str], text: str = "Delete"
    ) -> None:
        super().__init__(text)
        self.model = model
        self.node_ids = [n.id for n in model.graph.nodes if n.id in node_ids]
        touching = {e.id for e in model.edges_of(node_ids)}
        self.edge_ids = [e.id for e in model.graph.edges if e.id in edge_ids | touching]
        self._nodes: list[tuple[Node, int]] = []
        self._edges: list[tuple[Edge, int]] = []
        self._groups: list[Group] = []

    def redo(self) -> None:
        self._groups = [g.model_copy(deep=True) for g in self.model.graph.groups]
        self._edges = [self.model.remove_edge(i) for i in reversed(self.edge_ids)]
        self._nodes = [self.model.remove_node(i) for i in reversed(self.node_ids)]
        gone = set(self.node_ids)
        if any(gone & set(g.node_ids) for g in self._groups):
            # a group keeps only the nodes that are left; one left alone is no group
            kept = [
                g.model_copy(update={"node_ids": [n for n in g.node_ids if n not in gone]})
                for g in self._groups
            ]
            self.model.set_groups([g for g in kept if len(g.node_ids) > 1])

    def undo(self) -> None:
        for node, index in reversed(self._nodes):
            self.model.insert_node(node, index)
        for edge, index in reversed(self._edges):
            self.model.insert_edge(edge, index)
        if self._groups != self.model.graph.groups:
            self.model.set_groups(self._groups)


class MoveNodesCommand(Command):
    def __init__(
        self,
        model: GraphModel,
        moves: dict[str, tuple[tuple[float, float], tuple[float, float]]],
        text: str | None = None,
    ) -> None:
        super().__init__(text or ("Move" if len(moves) > 1 else "Move node"))
        self.model = model
        self.moves = moves

    def redo(self) -> None:
        for node_id, (_old, new) in self.moves.items():
            self.model.move_node(node_id, *new)

    def undo(self) -> None:
        for node_id, (old, _new) in self.moves.items():
            self.model.move_node(node_id, *old)


class ConnectCommand(Command):
    """Add a wire. The wires already feeding the same input are replaced, unless ``join``: then the
    new one is added beside them (two routed branches joining into one input)."""

    def __init__(self, model: GraphModel, edge: Edge, join: bool = False) -> None:
        super().__init__("Join branches" if join else "Connect")
        self.model = model
        self.edge = edge
        self.join = join
        self._replaced: list[tuple[Edge, int]] = []

    def redo(self) -> None:
        self._replaced = []
        if not self.join:
            while (old := self.model.edge_into(self.edge.target, self.edge.target_port)) is not None:
                self._replaced.append(self.model.remove_edge(old.id))
        self.model.insert_edge(self.edge.model_copy())

    def undo(self) -> None:
        self.model.remove_edge(self.edge.id)
        for edge, index in reversed(self._replaced):
            self.model.insert_edge(edge, index)


class SettingsCommand(Command):
    """A change in the inspector: the node's settings and title before and after."""

    def __init__(
        self,
        model: GraphModel,
        node_id: str,
        before: tuple[dict[str, Any], str],
        after: tuple[dict[str, Any], str],
    ) -> None:
        super().__init__("Change settings")
        self.model = model
        self.node_id = node_id
        self.before = before
        self.after = after

    def redo(self) -> None:
        self.model.set_settings(self.node_id, *self.after)

    def undo(self) -> None:
        self.model.set_settings(self.node_id, *self.before)


class GroupsCommand(Command):
    """Group or ungroup: the graph's groups before and after."""

    def __init__(self, model: GraphModel, after: list[Group], text: str) -> None:
        super().__init__(text)
        self.model = model
        self.before = [g.model_copy(deep=True) for g in model.graph.groups]
        self.after = after

    def redo(self) -> None:
        self.model.set_groups(self.after)

    def undo(self) -> None:
        self.model.set_groups(self.before)


class ReplaceGraphCommand(Command):
    """Replace the whole graph (restore a named version); undo brings back the graph as it was."""

    def __init__(self, model: GraphModel, after: Graph, text: str) -> None:
        super().__init__(text)
        self.model = model
        self.before = model.graph.model_copy(deep=True)
        self.after = after.model_copy(deep=True)

    def redo(self) -> None:
        self.model.set_graph(self.after.model_copy(deep=True))

    def undo(self) -> None:
        self.model.set_graph(self.before.model_copy(deep=True))
