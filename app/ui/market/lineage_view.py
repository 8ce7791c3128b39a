"""The lineage graph: an asset's parents above it, the assets derived from it below, one box each,
edges pointing from what was derived to what it came from (Hugging Face's ``base_model`` tree,
drawn). Clicking a box (or Return on a focused one) emits ``open_asset``; the asset itself is
drawn in the accent colour and is not a link.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QPainter, QPen, QPolygonF, QResizeEvent
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from app.market.catalog.asset_page import AssetDetail, Related
from app.ui.market.wording import kind_name, title
from app.ui.theme import Colors

BOX_W, BOX_H, GAP_X, GAP_Y = 190.0, 52.0, 24.0, 70.0
MAX_NAME = 24


def _elide(text: str) -> str:
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…"


class NodeItem(QGraphicsRectItem):
    """One asset's box; clicking it (when it is not the asset shown) asks to open it."""

    def __init__(self, node: Related, colors: Colors, view: LineageView, *, current: bool) -> None:
        super().__init__(0, 0, BOX_W, BOX_H)
        self.asset_id = node.asset_id
        self.view = view
        self.current = current
        fill = QColor(colors.accent_soft if current else colors.surface)
        border = QColor(colors.accent if current else colors.border)
        self.setBrush(QBrush(fill))
        self.setPen(QPen(border, 2 if current else 1))
        name = QGraphicsSimpleTextItem(_elide(title(node.name, node.asset_id)), self)
        bold = QFont()
        bold.setBold(True)
        name.setFont(bold)
        name.setBrush(QBrush(QColor(colors.text)))
        name.setPos(10, 8)
        mark = "" if node.meta_status == "ok" else " · metadata unreadable"
        facts = QGraphicsSimpleTextItem(f"{kind_name(node.kind)} #{node.asset_id}{mark}", self)
        facts.setBrush(QBrush(QColor(colors.muted)))
        facts.setPos(10, 28)
        self.setToolTip(f"{kind_name(node.kind)} #{node.asset_id}: {title(node.name, node.asset_id)}")
        if not current:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsFocusable)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if not self.current and event.button() == Qt.MouseButton.LeftButton:
            self.view.open_asset.emit(self.asset_id)
            event.accept()
            return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.current and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.view.open_asset.emit(self.asset_id)
            event.accept()
            return
        super().keyPressEvent(event)


class LineageView(QGraphicsView):
    open_asset = Signal(int)

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MarketLineage")
        self.colors = colors
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.nodes: dict[int, NodeItem] = {}
        self._detail: AssetDetail | None = None

    def show_lineage(self, detail: AssetDetail) -> None:
        self._detail = detail
        scene = self.scene()
        scene.clear()
        self.nodes = {}
        self.setBackgroundBrush(QBrush(QColor(self.colors.window)))
        me = Related(detail.asset_id, detail.kind, detail.name, detail.meta_status)
        rows = [list(detail.parents), [me], list(detail.children)]
        widest = max(len(r) for r in rows)
        span = widest * BOX_W + (widest - 1) * GAP_X
        y = 0.0
        placed: list[list[NodeItem]] = []
        for row in rows:
            items = []
            x = (span - (len(row) * BOX_W + (len(row) - 1) * GAP_X)) / 2
            for node in row:
                item = NodeItem(node, self.colors, self, current=node.asset_id == detail.asset_id)
                item.setPos(x, y)
                scene.addItem(item)
                self.nodes.setdefault(node.asset_id, item)
                items.append(item)
                x += BOX_W + GAP_X
            placed.append(items)
            if row:
                y += BOX_H + GAP_Y
        centre = placed[1][0]
        for parent in placed[0]:
            self._edge(centre, parent)
        for child in placed[2]:
            self._edge(child, centre)
        if not detail.parents and not detail.children:
            note = scene.addSimpleText("No parents and no derivatives published yet.")
            note.setBrush(QBrush(QColor(self.colors.muted)))
            note.setPos((span - note.boundingRect().width()) / 2, BOX_H + 24)
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-16, -16, 16, 16))
        self._fit()

    def _fit(self) -> None:
        """Shrink the drawing to the view when it is larger (a small window, many parents); never enlarge."""
        rect, view = self.sceneRect(), self.viewport().rect()
        if rect.isEmpty() or view.isEmpty():
            return
        scale = min(1.0, view.width() / rect.width(), view.height() / rect.height())
        self.resetTransform()
        self.scale(scale, scale)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _edge(self, child: NodeItem, parent: NodeItem) -> None:
        """A line from ``child``'s top to ``parent``'s bottom, with an arrowhead at the parent."""
        start = child.pos() + QPointF(BOX_W / 2, 0)
        end = parent.pos() + QPointF(BOX_W / 2, BOX_H)
        pen = QPen(QColor(self.colors.faint), 1.5)
        self.scene().addLine(start.x(), start.y(), end.x(), end.y(), pen)
        direction = end - start
        length = max(1.0, (direction.x() ** 2 + direction.y() ** 2) ** 0.5)
        ux, uy = direction.x() / length, direction.y() / length
        back = QPointF(end.x() - ux * 10, end.y() - uy * 10)
        left = QPointF(back.x() - uy * 5, back.y() + ux * 5)
        right = QPointF(back.x() + uy * 5, back.y() - ux * 5)
        self.scene().addPolygon(QPolygonF([end, left, right]), pen, QBrush(QColor(self.colors.faint)))

    def node_rect(self, asset_id: int) -> QRectF:
        """Where a node is drawn, in view coordinates (tests click there)."""
        item = self.nodes[asset_id]
        return self.mapFromScene(item.sceneBoundingRect()).boundingRect()

    def apply_colors(self, colors: Colors) -> None:
        self.colors = colors
        if self._detail is not None:
            self.show_lineage(self._detail)
