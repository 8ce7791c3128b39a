"""What the canvas draws: nodes with typed ports and a status badge, and wires as bezier curves.

Pens, brushes and fonts are made once per theme (``ItemStyle``), not per paint, and node items use
``DeviceCoordinateCache``: panning a thousand-node graph repaints cached pixmaps, not text. Port
dots are painted by their node into that cached picture; port items are contentless hit areas.
Zoomed far out (level of detail below ``LOD_SIMPLE``) a node is drawn as a plain box with its title
at a size that stays legible, and port dots and labels are left out: what a user can read at that
zoom is which node is where, and it costs a fraction of the full drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from app.studio.ports import NodePorts, Port, PortType
from app.ui.theme import Colors

PORT_COLORS: dict[PortType, str] = {
    PortType.TEXT: "#5aa9e6",
    PortType.NUMBER: "#f2b544",
    PortType.BOOL: "#e86a92",
    PortType.JSON: "#9b7fe6",
    PortType.LIST: "#4cc38a",
    PortType.IMAGE: "#e6894f",
    PortType.TENSOR: "#3fc1c9",
    PortType.ANY: "#9a9ca8",
}
NODE_WIDTH = 190.0
HEADER = 28.0
ROW = 22.0
PORT_RADIUS = 5.5
LOD_SIMPLE = 0.5  # below this scale a node is a titled box, its ports are not drawn
LOD_TITLE_PX = 11.0  # the title's height on screen in the simple drawing
LOD_TITLE_MAX = 40.0  # ... at most this in scene units, so it stays inside its box
STATUS_LABELS = {
    "running": "running",
    "ok": "ok",
    "error": "error",
    "cached": "cached",
    "skipped": "skipped",
    "cancelled": "cancelled",
}


@dataclass
class ItemStyle:
    """Every pen, brush and font the canvas items paint with, for one theme."""

    colors: Colors
    body: QBrush = field(init=False)
    header: QBrush = field(init=False)
    border: QPen = field(init=False)
    selected: QPen = field(init=False)
    invalid: QPen = field(init=False)
    text: QPen = field(init=False)
    muted: QPen = field(init=False)
    title_font: QFont = field(init=False)
    port_font: QFont = field(init=False)
    port_brushes: dict[PortType, QBrush] = field(init=False)
    port_ring: QPen = field(init=False)
    status: dict[str, QColor] = field(init=False)

    def __post_init__(self) -> None:
        c = self.colors
        self.body = QBrush(QColor(c.surface))
        self.header = QBrush(QColor(c.surface_alt))
        self.border = QPen(QColor(c.border), 1.2)
        self.selected = QPen(QColor(c.accent), 2.0)
        self.invalid = QPen(QColor(c.danger), 2.0)
        self.text = QPen(QColor(c.text))
        self.muted = QPen(QColor(c.muted))
        self.title_font = QFont()
        self.title_font.setPointSizeF(9.5)
        self.title_font.setBold(True)
        self.port_font = QFont()
        self.port_font.setPointSizeF(8.5)
        self.port_brushes = {t: QBrush(QColor(hex_)) for t, hex_ in PORT_COLORS.items()}
        self.port_ring = QPen(QColor(c.surface), 1.5)
        self.status = {
            "running": QColor(c.accent),
            "ok": QColor(c.success),
            "error": QColor(c.danger),
            "cached": QColor("#5aa9e6"),
            "skipped": QColor(c.faint),
            "cancelled": QColor(c.warning),
        }


class PortItem(QGraphicsItem):
    """One port: where wires start and end, its tooltip and hit area. Its dot, coloured by its type,
    is drawn by its node into the node's cached picture: a thousand ports cost no items to paint."""

    def __init__(self, node: NodeItem, port: Port, is_input: bool, style: ItemStyle) -> None:
        super().__init__(node)
        self.node = node
        self.port = port
        self.is_input = is_input
        self.style = style
        self.highlight: QColor | None = None
        self.setAcceptHoverEvents(True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
        kind = "input" if is_input else "output"
        need = "" if not is_input or port.required else " (optional)"
        desc = f"\n{port.description}" if port.description else ""
        self.setToolTip(f"{kind} {port.name}: {port.type.value}{need}{desc}")

    def boundingRect(self) -> QRectF:
        r = PORT_RADIUS + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """Nothing: the node paints the dot (``NodeItem._paint_ports``)."""

    def paint_dot(self, painter: QPainter) -> None:
        if self.highlight is not None:
            painter.setPen(QPen(self.highlight, 2.5))
        else:
            painter.setPen(self.style.port_ring)
        painter.setBrush(self.style.port_brushes[self.port.type])
        painter.drawEllipse(self.pos(), PORT_RADIUS, PORT_RADIUS)

    def set_highlight(self, color: QColor | None) -> None:
        self.highlight = color
        self.node.update()

    def scene_anchor(self) -> QPointF:
        return self.scenePos()


class NodeItem(QGraphicsItem):
    """A node: title bar, one row per port, a status badge; a red outline when it has issues."""

    def __init__(self, node_id: str, title: str, type_title: str, ports: NodePorts, style: ItemStyle) -> None:
        super().__init__()
        self.node_id = node_id
        self.style = style
        self.title = title
        self.type_title = type_title
        self.status: str | None = None
        self.issues: list[str] = []
        self.edges: list[EdgeItem] = []
        self.groups: list = []  # GroupItem frames around this node
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        self._height = HEADER
        self.body_text = ""
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable | flags.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.set_ports(ports)

    def set_ports(self, ports: NodePorts) -> None:
        for item in [*self.inputs.values(), *self.outputs.values()]:
            item.setParentItem(None)
            if item.scene() is not None:
                item.scene().removeItem(item)
        self.inputs = {}
        self.outputs = {}
        rows = max(len(ports.inputs), len(ports.outputs), 1)
        if not ports.inputs and not ports.outputs and self.body_text:
            rows = min(6, 1 + len(self.body_text) // 30 + self.body_text.count("\n"))
        self.prepareGeometryChange()
        self._height = HEADER + rows * ROW + 8
        for i, port in enumerate(ports.inputs):
            item = PortItem(self, port, True, self.style)
            item.setPos(0, HEADER + 4 + ROW * (i + 0.5))
            self.inputs[port.name] = item
        for i, port in enumerate(ports.outputs):
            item = PortItem(self, port, False, self.style)
            item.setPos(NODE_WIDTH, HEADER + 4 + ROW * (i + 0.5))
            self.outputs[port.name] = item
        self.update()

    def set_body(self, text: str) -> None:
        """Text shown in a node without ports (a note's text)."""
        self.body_text = text

    def set_title(self, title: str) -> None:
        self.title = title
        self.update()

    def set_status(self, status: str | None) -> None:
        self.status = status
        self.update()

    def set_issues(self, issues: list[str]) -> None:
        if issues == self.issues:
            return
        self.issues = issues
        self.setToolTip("\n".join(issues))
        self.update()

    def boundingRect(self) -> QRectF:
        edge = PORT_RADIUS + 3  # the port dots stick out on both sides
        return QRectF(-edge, -14, NODE_WIDTH + 2 * edge, self._height + 18)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        s = self.style
        rect = QRectF(0, 0, NODE_WIDTH, self._height)
        if self.isSelected():
            pen = s.selected
        elif self.issues:
            pen = s.invalid
        else:
            pen = s.border
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < LOD_SIMPLE:
            self._paint_simple(painter, rect, pen, lod)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        painter.setBrush(s.body)
        painter.drawRoundedRect(rect, 8, 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(s.header)
        header = QPainterPath()
        header.addRoundedRect(QRectF(1, 1, NODE_WIDTH - 2, HEADER), 7, 7)
        painter.drawPath(header)
        painter.setFont(s.title_font)
        painter.setPen(s.text)
        painter.drawText(QRectF(10, 0, NODE_WIDTH - 20, HEADER), Qt.AlignmentFlag.AlignVCenter, self.title)
        painter.setFont(s.port_font)
        painter.setPen(s.muted)
        for name, item in self.inputs.items():
            y = item.pos().y()
            painter.drawText(
                QRectF(12, y - ROW / 2, NODE_WIDTH / 2 - 12, ROW), Qt.AlignmentFlag.AlignVCenter, name
            )
        right = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
        for name, item in self.outputs.items():
            y = item.pos().y()
            painter.drawText(QRectF(NODE_WIDTH / 2, y - ROW / 2, NODE_WIDTH / 2 - 12, ROW), right, name)
        if not self.inputs and not self.outputs:
            body = QRectF(12, HEADER + 6, NODE_WIDTH - 24, self._height - HEADER - 12)
            flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
            painter.drawText(body, flags, self.body_text or self.type_title)
        for item in [*self.inputs.values(), *self.outputs.values()]:
            item.paint_dot(painter)
        if self.status:
            self._paint_badge(painter)

    def _paint_simple(self, painter: QPainter, rect: QRectF, pen: QPen, lod: float) -> None:
        """Far out: a box in the header colour and the title, scaled up to stay readable."""
        painter.setPen(pen)
        painter.setBrush(self.style.header)
        painter.drawRect(rect)
        size = min(LOD_TITLE_PX / lod, LOD_TITLE_MAX, self._height * 0.45)
        if size * lod < 4:  # a smudge, not text (the minimap): the box says enough
            return
        font = QFont(self.style.title_font)
        font.setPixelSize(round(size))
        painter.setFont(font)
        painter.setPen(self.style.text)
        box = rect.adjusted(6, 0, -6, 0)
        title = QFontMetricsF(font).elidedText(self.title, Qt.TextElideMode.ElideRight, box.width())
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, title)

    def _paint_badge(self, painter: QPainter) -> None:
        color = self.style.status.get(self.status or "", self.style.status["skipped"])
        text = STATUS_LABELS.get(self.status or "", self.status or "")
        width = 9.0 + 6.2 * len(text)
        badge = QRectF(NODE_WIDTH - width - 6, -11, width, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(badge, 8, 8)
        painter.setPen(QPen(QColor(self.style.colors.accent_text if self.status == "running" else "#ffffff")))
        painter.setFont(self.style.port_font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for edge in self.edges:
                edge.update_path()
            for group in self.groups:
                group.update_rect()
        return super().itemChange(change, value)


class EdgeItem(QGraphicsPathItem):
    """A wire from an output to an input, drawn as a horizontal bezier in the source's type colour."""

    def __init__(self, edge_id: str, source: PortItem, target: PortItem, style: ItemStyle) -> None:
        super().__init__()
        self.edge_id = edge_id
        self.source = source
        self.target = target
        self.style = style
        self.setZValue(-1)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # antialiased curves: paint once
        self._pen = QPen(style.port_brushes[source.port.type].color(), 2.2)
        self._selected_pen = QPen(QColor(style.colors.accent), 3.0)
        self.setPen(self._pen)
        source.node.edges.append(self)
        target.node.edges.append(self)
        self.update_path()

    def detach(self) -> None:
        for node in (self.source.node, self.target.node):
            if self in node.edges:
                node.edges.remove(self)

    def update_path(self) -> None:
        self.setPath(wire_path(self.source.scene_anchor(), self.target.scene_anchor()))

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setPen(self._selected_pen if value else self._pen)
        return super().itemChange(change, value)


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    path = QPainterPath(start)
    dx = max(abs(end.x() - start.x()) * 0.5, 40.0)
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path
