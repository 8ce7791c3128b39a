"""The minimap: the whole graph in the canvas's corner, with the visible part outlined; click or
drag in it to move the canvas there."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QFrame, QGraphicsView

from app.ui.studio.scene import StudioScene
from app.ui.studio.view import CanvasView


class Minimap(QGraphicsView):
    def __init__(self, canvas: CanvasView, scene: StudioScene) -> None:
        super().__init__(scene, canvas)
        self.canvas = canvas
        self.setInteractive(False)
        self.setFrameShape(QFrame.Shape.Box)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Minimap: click to move the canvas there")
        self.resize(180, 110)
        self._frame = QPen(QColor(scene.style.colors.accent), 0)
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(150)
        self._refit.timeout.connect(self.refit)
        scene.model.events.connect("changed", self._refit.start)  # "reset" is followed by "changed"
        self._graph_rect = QRectF()
        for bar in (canvas.horizontalScrollBar(), canvas.verticalScrollBar()):
            bar.valueChanged.connect(self._canvas_moved)
        self.refit()

    def _canvas_moved(self) -> None:
        self._update_visibility()
        self.viewport().update()

    def _update_visibility(self) -> None:
        """Shown only while part of the graph is out of sight."""
        visible = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        self.setVisible(not self._graph_rect.isNull() and not visible.contains(self._graph_rect))

    def refit(self) -> None:
        scene = self.scene()
        assert isinstance(scene, StudioScene)
        rect = QRectF()
        for item in scene.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        self._graph_rect = rect
        if not rect.isNull():
            self.fitInView(rect.adjusted(-80, -80, 80, 80), Qt.AspectRatioMode.KeepAspectRatio)
        self.place()

    def place(self) -> None:
        """Keep to the canvas's bottom-right corner, at most a fifth of its width (a small window's
        canvas is for the graph, not the map)."""
        width = round(max(120.0, min(180.0, self.canvas.width() * 0.2)))
        if width != self.width():
            self.resize(width, round(width * 110 / 180))
            if not self._graph_rect.isNull():
                self.fitInView(
                    self._graph_rect.adjusted(-80, -80, 80, 80), Qt.AspectRatioMode.KeepAspectRatio
                )
        self._update_visibility()
        self.move(self.canvas.width() - self.width() - 12, self.canvas.height() - self.height() - 12)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        visible = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        painter.setPen(self._frame)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(visible)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.canvas.centerOn(self.mapToScene(event.position().toPoint()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.canvas.centerOn(self.mapToScene(event.position().toPoint()))

    def wheelEvent(self, event: object) -> None:
        pass  # the minimap always shows the whole graph
