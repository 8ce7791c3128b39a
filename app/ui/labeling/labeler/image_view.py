"""The image canvas: zoom and pan that stay smooth on a 10,000 x 10,000 photo.

There is never one giant pixmap. An item arrives as a *preview* decoded to fit the view (see
``prefetch``). Zooming past it asks for a mipmap level — the image decoded at 1/2^k of full size,
in a background thread from the item's bytes — which ``TiledImage`` (``tiled_image``) draws as
tiles. The canvas owns zoom, pan, the box layer and the level decodes.

Scene coordinates are pixels of the original image, the units of ``Box``.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QWidget,
)

from app.ui.labeling.labeler.box_tool import BoxLayer, BoxTool
from app.ui.labeling.labeler.prefetch import Decoded, decode
from app.ui.labeling.labeler.tiled_image import TiledImage
from app.ui.theme import Colors

MAX_ZOOM = 32.0  # 1 image pixel = 32 screen pixels: enough to place a box edge on a pixel
MAX_FIT = 8.0  # a tiny image (a 64 px digit) is fitted at most 8x, not blown up to the whole view
FIT_MARGIN = 16  # px around a fitted image
ZOOM_STEP = 1.25


class _LevelRelay(QObject):
    done = Signal(object)  # (generation, level, QImage), from the decode thread


class ImageCanvas(QGraphicsView):
    """Shows one item's image with its boxes; wheel, +/-, 0 zoom; middle-drag or Space-drag pan."""

    zoom_changed = Signal(float)

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setScene(QGraphicsScene(self))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState)
        # The background brush (an opaque theme colour) covers every exposed pixel, so the viewport's
        # own erase before each paint is skipped: a third of a repaint's time on a fitted digit.
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.image = TiledImage(self._want_level, self._requested_discard)
        self.scene().addItem(self.image)
        self.boxes = BoxLayer(self.scene())
        self.tool: BoxTool | None = None
        self.message = QLabel(self)
        self.message.setProperty("role", "empty-body")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.message.hide()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="label-zoom")
        self._relay = _LevelRelay()
        self._relay.done.connect(self._level_landed)
        self._data = b""
        self._generation = 0
        self._requested: set[int] = set()
        self._queued: list[Future[None]] = []  # level decodes of the item shown (cancelled when it goes)
        self._fitted = True
        self._pan_from: QPointF | None = None
        self._space = False
        self._space_dragged = False
        self._closed = False
        self.apply_colors(colors)

    def apply_colors(self, colors: Colors) -> None:
        self.setBackgroundBrush(QColor(colors.surface_alt))

    # -- content ---------------------------------------------------------------------------------

    def _forget_levels(self) -> None:
        self._generation += 1
        self._requested.clear()
        for future in self._queued:
            future.cancel()
        self._queued.clear()

    def show_image(self, decoded: Decoded) -> None:
        """Show a decoded item (bytes kept for deeper zoom levels) fitted to the view."""
        assert decoded.preview is not None and decoded.full_size is not None
        self._forget_levels()
        self._data = decoded.data
        self.message.hide()
        self.image.set_image(decoded.full_size, decoded.preview)
        self.image.show()
        bounds = self.image.boundingRect()
        self.setSceneRect(bounds)
        if self.tool is not None:
            self.tool.bounds = bounds
        self.fit()

    def show_message(self, text: str) -> None:
        """No image to show: "Loading…", or why it cannot be shown."""
        self._forget_levels()
        self._data = b""
        self.image.clear()
        self.image.hide()
        self.boxes.clear()
        self.message.setText(text)
        self.message.show()
        self._place_message()

    @property
    def has_image(self) -> bool:
        return self.image.isVisible() and self.image.preview is not None

    # -- zoom and pan ----------------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def fit_zoom(self) -> float:
        bounds = self.image.boundingRect()
        view = self.viewport().rect()
        if bounds.isEmpty() or view.isEmpty():
            return 1.0
        width, height = max(1, view.width() - 2 * FIT_MARGIN), max(1, view.height() - 2 * FIT_MARGIN)
        return min(width / bounds.width(), height / bounds.height(), MAX_FIT)

    def fit(self) -> None:
        """The whole image in view (0)."""
        self._fitted = True
        self.set_zoom(self.fit_zoom(), under_mouse=False)
        self.centerOn(self.image.boundingRect().center())

    def zoom_by(self, factor: float, *, under_mouse: bool = False) -> None:
        self._fitted = False
        self.set_zoom(self.zoom() * factor, under_mouse=under_mouse)

    def set_zoom(self, zoom: float, *, under_mouse: bool = True) -> None:
        zoom = max(min(self.fit_zoom(), 1.0) * 0.5, min(MAX_ZOOM, zoom))
        anchor = self.transformationAnchor()
        if not under_mouse:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.scale(zoom / self.zoom(), zoom / self.zoom())
        self.setTransformationAnchor(anchor)
        self.zoom_changed.emit(self.zoom())

    def pan_by(self, dx: float, dy: float) -> None:
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + round(dx))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + round(dy))

    def space_pressed(self) -> None:
        """Space held: a left drag pans (a tap without a drag is "next", the labeling view decides)."""
        self._space = True
        self._space_dragged = False
        self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)

    def space_released(self) -> bool:
        """Returns whether Space was a tap (no pan happened while it was held)."""
        self._space = False
        self.viewport().unsetCursor()
        return not self._space_dragged

    # -- events ----------------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps and self.has_image:
            self.zoom_by(ZOOM_STEP**steps, under_mouse=True)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_message()
        if self._fitted and self.has_image:
            self.fit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space
        ):
            self._start_pan(pos)
            return
        if event.button() == Qt.MouseButton.LeftButton and self.has_image:
            if self.tool is not None and self.tool.press(pos):
                return
            self._start_pan(pos)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            self._space_dragged = self._space_dragged or self._space
            self.pan_by(-delta.x(), -delta.y())
            return
        if self.tool is not None:
            if self.tool.busy:
                self.tool.move(pos)
            elif not self._space:
                self.viewport().setCursor(self.tool.cursor_for(pos))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            if self._space:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            return
        if self.tool is not None and self.tool.busy:
            self.tool.release(event.position())
            return
        super().mouseReleaseEvent(event)

    def _start_pan(self, pos: QPointF) -> None:
        self._pan_from = pos
        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def _place_message(self) -> None:
        self.message.setGeometry(self.viewport().geometry().adjusted(24, 24, -24, -24))

    # -- mipmap levels ---------------------------------------------------------------------------

    def _want_level(self, level: int) -> None:
        if level in self._requested or not self._data or self._closed:
            return
        self._requested.add(level)
        full = self.image.full
        size = QSize(max(1, -(-full.width() >> level)), max(1, -(-full.height() >> level)))
        self._queued.append(self._pool.submit(self._decode_level, self._data, size, level, self._generation))

    def _requested_discard(self, level: int) -> None:
        self._requested.discard(level)

    def _decode_level(self, data: bytes, size: QSize, level: int, generation: int) -> None:
        image = decode(data, size)
        if not self._closed:
            self._relay.done.emit((generation, level, image))

    def _level_landed(self, payload: tuple[int, int, QImage]) -> None:
        generation, level, image = payload
        if generation == self._generation and not image.isNull():
            self.image.add_level(level, image)

    def shutdown(self) -> None:
        """Wait for a level decode in flight; nothing is decoded after this."""
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
