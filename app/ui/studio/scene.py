"""The canvas scene: mirrors the ``GraphModel`` and turns mouse gestures into edit requests.

The scene never edits the graph itself. Wiring and moving emit ``connect_requested`` and
``nodes_moved``; the editor turns those into undo commands, the model changes, and the scene
follows the model's signals.

A wire dropped on an input that already has one replaces it; with Shift held it is added beside it,
which is how two routed branches join into one input (the run takes the branch that has a value).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QToolTip,
)

from app.studio import registry
from app.studio.events import (
    Event,
    NodeCached,
    NodeFailed,
    NodeFinished,
    NodeSkipped,
    NodeStarted,
    RunStarted,
)
from app.studio.graph_model import GraphModel, node_ports, node_title
from app.studio.ports import NodePorts, compatible
from app.ui.studio.groups import GroupItem
from app.ui.studio.items import EdgeItem, ItemStyle, NodeItem, PortItem, wire_path
from app.ui.theme import Colors


def link_problem(a: PortItem, b: PortItem) -> str | None:
    """Why a wire between two ports cannot be made, or None when it can."""
    if a.node is b.node:
        return "a node cannot feed itself"
    if a.is_input == b.is_input:
        return "connect an output to an input"
    out, inp = (b, a) if a.is_input else (a, b)
    if not compatible(out.port.type, inp.port.type):
        return f"{out.port.name} gives {out.port.type.value}, but {inp.port.name} takes {inp.port.type.value}"
    return None


def grid_brush(colors: Colors) -> QBrush:
    """The canvas background: a dot every 24 px, as a tile Qt repeats itself (no per-frame work)."""
    tile = QPixmap(24, 24)
    tile.fill(QColor(colors.window))
    painter = QPainter(tile)
    painter.setPen(QPen(QColor(colors.border), 1.6))
    painter.drawPoint(12, 12)
    painter.end()
    return QBrush(tile)


class StudioScene(QGraphicsScene):
    # source, source port, target, target port, join (keep the input's other wires)
    connect_requested = Signal(str, str, str, str, bool)
    nodes_moved = Signal(dict)  # node id -> ((old x, old y), (new x, new y))
    group_title_edit_requested = Signal(str)  # group id

    def __init__(self, model: GraphModel, colors: Colors) -> None:
        super().__init__()
        self.model = model
        self.style = ItemStyle(colors)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setBackgroundBrush(grid_brush(colors))
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[str, EdgeItem] = {}
        self.groups: dict[str, GroupItem] = {}
        self._drag_from: PortItem | None = None
        self._drag_wire: QGraphicsPathItem | None = None
        self._drag_target: PortItem | None = None
        self._press_positions: dict[str, QPointF] = {}
        for event, listener in (
            ("node_added", self._add_node), ("node_removed", self._remove_node),
            ("node_moved", self._move_node), ("node_changed", self._change_node),
            ("edge_added", self._add_edge), ("edge_removed", self._remove_edge),
            ("groups_changed", self._rebuild_groups), ("reset", self.rebuild),
        ):  # fmt: skip
            model.events.connect(event, listener)  # bound methods: held weakly by the model
        self.rebuild()

    def apply_colors(self, colors: Colors) -> None:
        self.style.colors = colors
        self.style.__post_init__()  # every item paints with this one style object
        self.setBackgroundBrush(grid_brush(colors))
        for item in self.nodes.values():
            item.update()

    # model -> scene
    def rebuild(self) -> None:
        self.clear()
        self.nodes.clear()
        self.edges.clear()
        self.groups.clear()
        self._drag_wire = None
        for node in self.model.graph.nodes:
            self._add_node(node.id)
        for edge in self.model.graph.edges:
            self._add_edge(edge.id)
        self.groups.clear()
        self._rebuild_groups()

    def _rebuild_groups(self) -> None:
        for item in self.groups.values():
            item.detach()
            self.removeItem(item)
        self.groups = {}
        for group in self.model.graph.groups:
            members = [self.nodes[n] for n in group.node_ids if n in self.nodes]
            if members:
                item = GroupItem(group.id, group.title, members, self.style)
                self.addItem(item)
                self.groups[group.id] = item

    def _add_node(self, node_id: str) -> None:
        node = self.model.node(node_id)
        assert node is not None
        node_type = registry.get(node.type)
        type_title = node_type.title if node_type else node.type
        item = NodeItem(node_id, node_title(node), type_title, NodePorts(), self.style)
        item.set_body(str(node.config.get("text") or "") if node.type == "note" else "")
        item.set_ports(node_ports(node))
        item.setPos(node.position.x, node.position.y)
        self.addItem(item)
        self.nodes[node_id] = item

    def _remove_node(self, node_id: str) -> None:
        item = self.nodes.pop(node_id)
        for group in list(item.groups):
            group.members.remove(item)
            item.groups.remove(group)
            group.update_rect()
        for edge in list(item.edges):
            self._remove_edge(edge.edge_id)
        self.removeItem(item)

    def _move_node(self, node_id: str) -> None:
        node = self.model.node(node_id)
        item = self.nodes[node_id]
        if node is not None and (item.x(), item.y()) != (node.position.x, node.position.y):
            item.setPos(node.position.x, node.position.y)

    def _change_node(self, node_id: str) -> None:
        node = self.model.node(node_id)
        assert node is not None
        item = self.nodes[node_id]
        item.set_title(node_title(node))
        item.set_body(str(node.config.get("text") or "") if node.type == "note" else "")
        attached = [e.edge_id for e in item.edges]
        for edge_id in attached:
            self._remove_edge(edge_id)
        item.set_ports(node_ports(node))
        for edge_id in attached:
            self._add_edge(edge_id)

    def _add_edge(self, edge_id: str) -> None:
        edge = self.model.edge(edge_id)
        if edge is None or edge_id in self.edges:
            return
        src, dst = self.nodes.get(edge.source), self.nodes.get(edge.target)
        if src is None or dst is None:
            return
        out, inp = src.outputs.get(edge.source_port), dst.inputs.get(edge.target_port)
        if out is None or inp is None:
            return  # a wire to a port the node no longer has: validation reports it on the node
        item = EdgeItem(edge_id, out, inp, self.style)
        self.addItem(item)
        self.edges[edge_id] = item

    def _remove_edge(self, edge_id: str) -> None:
        item = self.edges.pop(edge_id, None)
        if item is not None:
            item.detach()
            self.removeItem(item)

    # status and issues
    def set_status(self, node_id: str, status: str | None) -> None:
        item = self.nodes.get(node_id)
        if item is not None:
            item.set_status(status)

    def show_run_event(self, event: Event) -> None:
        """A run's progress as badges: running, ok, cached, error (its message as the tooltip), skipped."""
        if isinstance(event, RunStarted):
            self.clear_status()
        elif isinstance(event, NodeStarted):
            self.set_status(event.node_id, "running")
        elif isinstance(event, NodeFinished):
            self.set_status(event.node_id, "ok")
        elif isinstance(event, NodeCached):
            self.set_status(event.node_id, "cached")
        elif isinstance(event, NodeFailed):
            self.set_status(event.node_id, "error")
            item = self.nodes.get(event.node_id)
            if item is not None:
                item.setToolTip(event.error)
        elif isinstance(event, NodeSkipped):
            self.set_status(event.node_id, "skipped")

    def clear_status(self) -> None:
        for item in self.nodes.values():
            item.set_status(None)

    def set_issues(self, issues: dict[str, list[str]]) -> None:
        for node_id, item in self.nodes.items():
            item.set_issues(issues.get(node_id, []))

    def selected_ids(self) -> tuple[set[str], set[str]]:
        nodes, edges = set(), set()
        for item in self.selectedItems():
            if isinstance(item, NodeItem):
                nodes.add(item.node_id)
            elif isinstance(item, EdgeItem):
                edges.add(item.edge_id)
        return nodes, edges

    # gestures
    def _port_at(self, pos: QPointF) -> PortItem | None:
        for item in self.items(pos):
            if isinstance(item, PortItem):
                return item
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            port = self._port_at(event.scenePos())
            if port is not None:
                self.start_wire(port)
                event.accept()
                return
        super().mousePressEvent(event)
        self._press_positions = {i.node_id: i.pos() for i in self.selectedItems() if isinstance(i, NodeItem)}

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag_from is not None:
            self.drag_wire_to(event.scenePos(), event.screenPos())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag_from is not None:
            self.finish_wire(bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
            return
        super().mouseReleaseEvent(event)
        moves = {}
        for node_id, old in self._press_positions.items():
            item = self.nodes.get(node_id)
            if item is not None and item.pos() != old:
                moves[node_id] = ((old.x(), old.y()), (item.x(), item.y()))
        self._press_positions = {}
        if moves:
            self.nodes_moved.emit(moves)

    def start_wire(self, port: PortItem) -> None:
        self._drag_from = port
        self._drag_wire = QGraphicsPathItem()
        self._drag_wire.setPen(
            QPen(self.style.port_brushes[port.port.type].color(), 2.2, Qt.PenStyle.DashLine)
        )
        self._drag_wire.setZValue(10)
        self.addItem(self._drag_wire)

    def drag_wire_to(self, pos: QPointF, screen_pos: object = None) -> str | None:
        """Follow the cursor; returns why the port under it cannot be wired (None when it can)."""
        assert self._drag_from is not None and self._drag_wire is not None
        start = self._drag_from.scene_anchor()
        target = self._port_at(pos)
        if self._drag_target is not None and self._drag_target is not target:
            self._drag_target.set_highlight(None)
        self._drag_target = target
        problem = None
        end = pos
        if target is not None and target is not self._drag_from:
            problem = link_problem(self._drag_from, target)
            color = QColor(self.style.colors.danger if problem else self.style.colors.success)
            target.set_highlight(color)
            end = target.scene_anchor()
            pen = self._drag_wire.pen()
            pen.setColor(color)
            self._drag_wire.setPen(pen)
            if problem and screen_pos is not None:
                QToolTip.showText(screen_pos, problem)
            elif screen_pos is not None and self._occupied(self._drag_from, target):
                QToolTip.showText(screen_pos, "replaces the wire there; hold Shift to add a branch beside it")
        else:
            pen = self._drag_wire.pen()
            pen.setColor(self.style.port_brushes[self._drag_from.port.type].color())
            self._drag_wire.setPen(pen)
            QToolTip.hideText()
        a, b = (end, start) if self._drag_from.is_input else (start, end)
        self._drag_wire.setPath(wire_path(a, b))
        return problem

    def _occupied(self, a: PortItem, b: PortItem) -> bool:
        inp = a if a.is_input else b
        return any(e.target is inp for e in inp.node.edges)

    def finish_wire(self, join: bool | None = None) -> None:
        """Drop the wire being dragged; ``join`` (Shift, by default read from the keyboard) adds it
        beside the wires already in the input instead of replacing them."""
        origin, target = self._drag_from, self._drag_target
        if self._drag_wire is not None:
            self.removeItem(self._drag_wire)
        if target is not None:
            target.set_highlight(None)
        self._drag_from = self._drag_wire = self._drag_target = None
        QToolTip.hideText()
        if origin is None or target is None or link_problem(origin, target) is not None:
            return
        out, inp = (target, origin) if origin.is_input else (origin, target)
        if join is None:
            join = bool(QApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier)
        self.connect_requested.emit(out.node.node_id, out.port.name, inp.node.node_id, inp.port.name, join)
