"""The canvas view: pan (middle-drag or space+drag), zoom to the cursor, rubber-band selection,
fit (F), drop from the palette, Tab or double-click for quick-add at the cursor.

Zoom steps glide (a short animation per wheel notch or key press) instead of jumping. Fit never
zooms out below ``READABLE_ZOOM``, where node text is still legible: a graph wider than the canvas is
shown from its start (the left, where its inputs are) at that zoom, and F again or panning shows the rest.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QVariantAnimation, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QWidget

from app.ui.studio.scene import StudioScene

NODE_MIME = "application/x-sahara-node-type"
MIN_ZOOM, MAX_ZOOM = 0.15, 3.0
READABLE_ZOOM = 0.8  # fit stops here: 9.5 pt titles stay above ~10 px
ZOOM_STEP = 1.15  # one wheel notch or Ctrl+= / Ctrl+-
ZOOM_GLIDE_MS = 120


class CanvasView(QGraphicsView):
    quick_add_requested = Signal(QPointF)  # scene position
    drop_requested = Signal(str, QPointF)  # node type, scene position
    context_menu_requested = Signal(QPointF, QPoint)  # scene position, global position
    resized = Signal()

    def __init__(self, scene: StudioScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlags(
            QGraphicsView.OptimizationFlag.DontSavePainterState
            | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing
        )
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSceneRect(QRectF(-50_000, -50_000, 100_000, 100_000))
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._space = False
        self._panning: QPointF | None = None
        self.fit_pending = False  # fit once the view has its real size
        self.fitted = False  # showing what fit chose: a resize fits again, until the user moves
        self._glide = QVariantAnimation(self)
        self._glide.setDuration(ZOOM_GLIDE_MS)
        self._glide.valueChanged.connect(self._glide_to)
        self._glide_target = 1.0

    def request_fit(self) -> None:
        self.fit_pending = True
        if self.isVisible() and self.viewport().width() > 200:
            self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()
        if (self.fit_pending or self.fitted) and self.isVisible() and self.viewport().width() > 200:
            self.fit()

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        factor = max(MIN_ZOOM / self.zoom(), min(MAX_ZOOM / self.zoom(), factor))
        self.scale(factor, factor)

    def zoom_step(self, steps: float) -> None:
        """Glide ``steps`` zoom steps (negative: out) from where a glide under way would end."""
        self.fitted = False
        start = self.zoom()
        base = self._glide_target if self._glide.state() == QVariantAnimation.State.Running else start
        target = max(MIN_ZOOM, min(MAX_ZOOM, base * ZOOM_STEP**steps))
        self._glide.stop()
        self._glide_target = target
        self._glide.setStartValue(start)
        self._glide.setEndValue(target)
        self._glide.start()

    def _glide_to(self, value: float) -> None:
        self.zoom_by(float(value) / self.zoom())

    def reset_zoom(self) -> None:
        self.fitted = False
        self._glide.stop()
        self.zoom_by(1.0 / self.zoom())

    def fit(self) -> None:
        self.fit_pending = False
        self._glide.stop()
        scene = self.scene()
        assert isinstance(scene, StudioScene)
        rect = QRectF()
        for item in scene.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        if rect.isNull():
            return
        rect.adjust(-60, -60, 60, 60)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.2:
            self.zoom_by(1.2 / self.zoom())
        elif self.zoom() < READABLE_ZOOM:
            self.zoom_by(READABLE_ZOOM / self.zoom())
            half = self.viewport().width() / (2 * READABLE_ZOOM)
            self.centerOn(rect.left() + half, rect.center().y())
        self.fitted = True

    def pan_by(self, dx: float, dy: float) -> None:
        self.fitted = False
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + int(dx))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + int(dy))

    def cursor_scene_pos(self) -> QPointF:
        local = self.mapFromGlobal(self.cursor().pos())
        if not self.viewport().rect().contains(local):
            local = self.viewport().rect().center()
        return self.mapToScene(local)

    # events
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_step(steps)

    def event(self, event: QEvent) -> bool:
        # Tab would move focus out of the canvas; here it opens quick-add.
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Tab
        ):
            self.quick_add_requested.emit(self.cursor_scene_pos())
            return True
        return super().event(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.fit_pending and self.viewport().width() > 200:
            self.fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            return
        if event.key() == Qt.Key.Key_F and not event.modifiers():
            self.fit()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.fitted = False  # the user works on this view now: a resize keeps it as it is
        if event.button() == Qt.MouseButton.MiddleButton:
            self._panning = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._panning is not None:
            delta = event.position() - self._panning
            self._panning = event.position()
            self.pan_by(-delta.x(), -delta.y())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._panning = None
            self.viewport().unsetCursor()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.itemAt(event.position().toPoint()) is None:
            self.quick_add_requested.emit(self.mapToScene(event.position().toPoint()))
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        item = self.itemAt(event.pos())
        if item is not None and not item.isSelected():
            node = item if item.parentItem() is None else item.parentItem()
            self.scene().clearSelection()
            node.setSelected(True)
        self.context_menu_requested.emit(self.mapToScene(event.pos()), event.globalPos())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(NODE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(NODE_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if not event.mimeData().hasFormat(NODE_MIME):
            super().dropEvent(event)
            return
        type_name = bytes(event.mimeData().data(NODE_MIME).data()).decode()
        self.drop_requested.emit(type_name, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()
