"""Group frames: a titled box drawn behind the nodes of a group, following them as they move.

Clicking a frame selects its nodes, so dragging one of them moves the whole group. Double-clicking
its title asks the scene to edit the name in place (``group_title_edit_requested``).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem, QWidget

from app.ui.studio.items import ItemStyle, NodeItem

PAD = 24.0
TITLE = 26.0


class GroupItem(QGraphicsItem):
    def __init__(self, group_id: str, title: str, members: list[NodeItem], style: ItemStyle) -> None:
        super().__init__()
        self.group_id = group_id
        self.title = title or "Group"
        self.members = members
        self.style = style
        self._rect = QRectF()
        self.setZValue(-2)
        for node in members:
            node.groups.append(self)
        self.update_rect()

    def detach(self) -> None:
        for node in self.members:
            if self in node.groups:
                node.groups.remove(self)

    def update_rect(self) -> None:
        rect = QRectF()
        for node in self.members:
            rect = rect.united(node.sceneBoundingRect())
        self.prepareGeometryChange()
        self._rect = rect.adjusted(-PAD, -PAD - TITLE, PAD, PAD)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        accent = QColor(self.style.colors.accent)
        fill = QColor(accent)
        fill.setAlpha(22)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(accent, 1.2, Qt.PenStyle.DashLine))
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(self._rect, 10, 10)
        painter.setFont(self.style.title_font)
        painter.setPen(QPen(accent))
        painter.drawText(self.title_rect(), Qt.AlignmentFlag.AlignVCenter, self.title)

    def title_rect(self) -> QRectF:
        """Where the name is drawn, in item (and scene) coordinates."""
        return QRectF(self._rect.left() + 12, self._rect.top() + 4, self._rect.width() - 24, TITLE)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        scene = self.scene()
        if scene is not None and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            scene.clearSelection()
        for node in self.members:
            node.setSelected(True)
        event.accept()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        band = QRectF(self._rect.left(), self._rect.top(), self._rect.width(), TITLE + 4)
        scene = self.scene()
        if band.contains(event.pos()) and hasattr(scene, "group_title_edit_requested"):
            scene.group_title_edit_requested.emit(self.group_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)
