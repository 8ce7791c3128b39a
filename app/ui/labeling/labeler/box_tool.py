"""Bounding boxes on the image canvas: how they look, and what the mouse does to them.

Scene coordinates are pixels of the original image, the same units as ``Box``. The session owns
the boxes; ``BoxLayer`` draws what it holds and ``BoxTool`` turns drags into session edits: one
edit when a drag ends (draw, move, resize), never one per mouse move, so undo takes back a whole
gesture. Handles and labels keep their size on screen at any zoom (``ItemIgnoresTransformations``);
hit tests are done in view pixels for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.labeling.schema import Box
from app.labeling.session import LabelingSession

HANDLE = 8  # px on screen
GRAB = 7  # px on screen: how close to a handle a press must be
DRAG_START = 3  # px on screen before a press becomes a drag
# handle name -> which edges it moves (left, top, right, bottom)
HANDLES: dict[str, tuple[bool, bool, bool, bool]] = {
    "top-left": (True, True, False, False),
    "top": (False, True, False, False),
    "top-right": (False, True, True, False),
    "right": (False, False, True, False),
    "bottom-right": (False, False, True, True),
    "bottom": (False, False, False, True),
    "bottom-left": (True, False, False, True),
    "left": (True, False, False, False),
}


def handle_point(rect: QRectF, name: str) -> QPointF:
    left, top, right, bottom = HANDLES[name]
    x = rect.left() if left else rect.right() if right else rect.center().x()
    y = rect.top() if top else rect.bottom() if bottom else rect.center().y()
    return QPointF(x, y)


def box_rect(box: Box) -> QRectF:
    return QRectF(box.x, box.y, box.w, box.h)


class _Tag(QGraphicsItem):
    """The class name on a coloured tab above the box's top-left corner, at screen size."""

    def __init__(self, text: str, color: QColor, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._text = text
        self._color = color
        self._font = QFont()
        self._font.setPixelSize(11)
        self._font.setBold(True)
        width = max(18, len(text) * 7 + 10)
        self._rect = QRectF(0, -17, width, 16)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget: QWidget | None = None
    ) -> None:
        painter.fillRect(self._rect, self._color)
        painter.setFont(self._font)
        light = self._color.lightnessF() > 0.6
        painter.setPen(QColor("#111111") if light else QColor("#ffffff"))
        painter.drawText(self._rect.adjusted(5, 0, -3, 0), Qt.AlignmentFlag.AlignVCenter, self._text)


class BoxItem(QGraphicsRectItem):
    """One box: outline in its class colour with a light fill, a tag, and 8 handles when selected."""

    def __init__(self, rect: QRectF, label: str, color: str, *, selected: bool = False) -> None:
        super().__init__(rect)
        self.label = label
        self.color = QColor(color)
        pen = QPen(self.color, 3 if selected else 2)
        pen.setCosmetic(True)  # the same width on screen at any zoom
        self.setPen(pen)
        fill = QColor(self.color)
        fill.setAlpha(60 if selected else 28)
        self.setBrush(QBrush(fill))
        self.setZValue(2 if selected else 1)
        self.tag = _Tag(label, self.color, self)
        self.handles: dict[str, QGraphicsRectItem] = {}
        if selected:
            for name in HANDLES:
                handle = QGraphicsRectItem(-HANDLE / 2, -HANDLE / 2, HANDLE, HANDLE, self)
                handle.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
                handle.setBrush(QColor("#ffffff"))
                handle.setPen(QPen(self.color, 1.5))
                self.handles[name] = handle
        self.place(rect)

    def place(self, rect: QRectF) -> None:
        """Move the box (and its tag and handles) to ``rect`` during a drag."""
        self.setRect(rect)
        self.tag.setPos(rect.topLeft())
        for name, handle in self.handles.items():
            handle.setPos(handle_point(rect, name))


@dataclass
class _Drag:
    kind: str  # "draw" | "move" | "resize" | "click"
    start: QPointF  # scene
    start_view: QPointF
    index: int | None = None  # the box moved or resized
    rect: QRectF | None = None  # its rect when the drag began
    handle: str = ""
    live: bool = False  # past the DRAG_START threshold


class BoxLayer:
    """The session's boxes for the current item, as scene items above the image."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene
        self.items: list[BoxItem] = []
        self.ghost: BoxItem | None = None  # the box being drawn

    def show(self, boxes: list[Box], selected: int | None, color_of: Callable[[str], str]) -> None:
        self.clear()
        for i, box in enumerate(boxes):
            item = BoxItem(box_rect(box), box.label, color_of(box.label), selected=i == selected)
            self.scene.addItem(item)
            self.items.append(item)

    def clear(self) -> None:
        for item in self.items:
            self.scene.removeItem(item)
        self.items.clear()
        self.draw_ghost(None, "", "#ffffff")

    def draw_ghost(self, rect: QRectF | None, label: str, color: str) -> None:
        if rect is None:
            if self.ghost is not None:
                self.scene.removeItem(self.ghost)
                self.ghost = None
            return
        if self.ghost is None or self.ghost.label != label:
            self.draw_ghost(None, "", color)
            self.ghost = BoxItem(rect, label, color)
            pen = self.ghost.pen()
            pen.setStyle(Qt.PenStyle.DashLine)
            self.ghost.setPen(pen)
            self.ghost.setZValue(3)
            self.scene.addItem(self.ghost)
        self.ghost.place(rect)


class BoxTool:
    """Mouse gestures on the canvas turned into session edits.

    With the box tool on (``drawing``), a drag draws a box of the active class, except that a drag
    inside the selected box moves it; a click selects the box under the cursor. With it off, a
    drag on a box moves it and a drag on the empty image pans (the canvas handles that). Either
    way, the selected box's handles resize it.
    """

    def __init__(
        self, view: QGraphicsView, layer: BoxLayer, session: LabelingSession, bounds: QRectF
    ) -> None:
        self.view = view
        self.layer = layer
        self.session = session
        self.bounds = bounds  # the image, in scene coordinates
        self.drawing = False
        self._drag: _Drag | None = None

    @property
    def busy(self) -> bool:
        return self._drag is not None

    def handle_at(self, view_pos: QPointF) -> str | None:
        index = self.session.selected_box
        if index is None or index >= len(self.session.answer.boxes):
            return None
        rect = box_rect(self.session.answer.boxes[index])
        for name in HANDLES:
            point = self.view.mapFromScene(handle_point(rect, name))
            if abs(point.x() - view_pos.x()) <= GRAB and abs(point.y() - view_pos.y()) <= GRAB:
                return name
        return None

    def box_at(self, scene_pos: QPointF) -> int | None:
        """The smallest box under ``scene_pos`` (so a box inside another can be picked)."""
        hits = [
            (b.w * b.h, i) for i, b in enumerate(self.session.answer.boxes) if box_rect(b).contains(scene_pos)
        ]
        return min(hits)[1] if hits else None

    def cursor_for(self, view_pos: QPointF) -> Qt.CursorShape:
        handle = self.handle_at(view_pos)
        if handle is not None:
            return {
                "top-left": Qt.CursorShape.SizeFDiagCursor,
                "bottom-right": Qt.CursorShape.SizeFDiagCursor,
                "top-right": Qt.CursorShape.SizeBDiagCursor,
                "bottom-left": Qt.CursorShape.SizeBDiagCursor,
                "top": Qt.CursorShape.SizeVerCursor,
                "bottom": Qt.CursorShape.SizeVerCursor,
            }.get(handle, Qt.CursorShape.SizeHorCursor)
        return Qt.CursorShape.CrossCursor if self.drawing else Qt.CursorShape.ArrowCursor

    def press(self, view_pos: QPointF) -> bool:
        """A left press; returns False when it is not the tool's (the canvas pans instead)."""
        scene_pos = self.view.mapToScene(view_pos.toPoint())
        boxes = self.session.answer.boxes
        handle = self.handle_at(view_pos)
        selected = self.session.selected_box
        if handle is not None and selected is not None:
            self._drag = _Drag("resize", scene_pos, view_pos, selected, box_rect(boxes[selected]), handle)
            return True
        under = self.box_at(scene_pos)
        if self.drawing:
            if under is not None and under == selected:
                self._drag = _Drag("move", scene_pos, view_pos, under, box_rect(boxes[under]))
            else:
                self._drag = _Drag("draw", scene_pos, view_pos, under)
            return True
        if under is not None:
            self.session.select_box(under)
            self._drag = _Drag("move", scene_pos, view_pos, under, box_rect(boxes[under]))
            return True
        self.session.select_box(None)
        return False

    def move(self, view_pos: QPointF) -> None:
        drag = self._drag
        if drag is None:
            return
        if not drag.live:
            moved = view_pos - drag.start_view
            if abs(moved.x()) < DRAG_START and abs(moved.y()) < DRAG_START:
                return
            drag.live = True
        rect = self._dragged_rect(drag, self.view.mapToScene(view_pos.toPoint()))
        if drag.kind == "draw":
            label = self.session.active_class
            self.layer.draw_ghost(rect, label, self.session.color_of(label))
        elif drag.index is not None and drag.index < len(self.layer.items):
            self.layer.items[drag.index].place(rect)

    def release(self, view_pos: QPointF) -> None:
        drag, self._drag = self._drag, None
        if drag is None:
            return
        self.layer.draw_ghost(None, "", "#ffffff")
        if not drag.live:
            if drag.kind == "draw":  # a click with the box tool on: select what is under it
                self.session.select_box(drag.index)
            return
        rect = self._dragged_rect(drag, self.view.mapToScene(view_pos.toPoint()))
        if drag.kind == "draw":
            self.session.add_box(rect.x(), rect.y(), rect.width(), rect.height())
        elif drag.index is not None:
            self.session.move_box(drag.index, rect.x(), rect.y(), rect.width(), rect.height())
        # a drag that made no change leaves the session as it was: put the item back
        self.layer.show(self.session.answer.boxes, self.session.selected_box, self.session.color_of)

    def toggle(self) -> bool:
        """B: switch between drawing boxes and moving/panning (a drag under way is dropped); returns
        whether the tool now draws, and shows it with the cursor."""
        self.cancel()
        self.drawing = not self.drawing
        self.view.viewport().setCursor(
            Qt.CursorShape.CrossCursor if self.drawing else Qt.CursorShape.ArrowCursor
        )
        return self.drawing

    def cancel(self) -> None:
        if self._drag is not None:
            self._drag = None
            self.layer.show(self.session.answer.boxes, self.session.selected_box, self.session.color_of)

    def _inside(self, point: QPointF) -> QPointF:
        return QPointF(
            min(max(point.x(), self.bounds.left()), self.bounds.right()),
            min(max(point.y(), self.bounds.top()), self.bounds.bottom()),
        )

    def _dragged_rect(self, drag: _Drag, scene_pos: QPointF) -> QRectF:
        """The rect the drag describes now, kept inside the image."""
        pos = self._inside(scene_pos)
        if drag.kind == "draw":
            return QRectF(self._inside(drag.start), pos).normalized()
        assert drag.rect is not None
        if drag.kind == "move":
            delta = pos - drag.start
            rect = drag.rect.translated(delta)
            dx = max(self.bounds.left() - rect.left(), 0) + min(self.bounds.right() - rect.right(), 0)
            dy = max(self.bounds.top() - rect.top(), 0) + min(self.bounds.bottom() - rect.bottom(), 0)
            return rect.translated(dx, dy)
        left, top, right, bottom = HANDLES[drag.handle]
        rect = QRectF(drag.rect)
        if left:
            rect.setLeft(pos.x())
        if right:
            rect.setRight(pos.x())
        if top:
            rect.setTop(pos.y())
        if bottom:
            rect.setBottom(pos.y())
        return rect.normalized()
