"""The image canvas: zoom and pan that stay smooth on a 10,000 x 10,000 photo.

There is never one giant pixmap. An item arrives as a *preview* decoded to fit the view (see
``prefetch``). Zooming past it asks for a mipmap level — the image decoded at 1/2^k of full size,
in a background thread from the item's bytes — and that level is drawn as 512 px tiles made into
pixmaps lazily, only for the visible region, and kept in a small LRU cache. A frame therefore
draws a couple of dozen tiles at most, whatever the image's size. Until a level lands the best one
already there is drawn, stretched.

Scene coordinates are pixels of the original image, the units of ``Box``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.ui.labeling.labeler.box_tool import BoxLayer, BoxTool
from app.ui.labeling.labeler.prefetch import Decoded, decode
from app.ui.theme import Colors

TILE = 512
TILE_CACHE = 64  # pixmaps of at most TILE x TILE: 64 MB at 32 bits per pixel
LEVEL_BUDGET = 160 * 1024 * 1024  # decoded levels not being drawn: a 6,000 px photo's full size
MAX_ZOOM = 32.0  # 1 image pixel = 32 screen pixels: enough to place a box edge on a pixel
MAX_FIT = 8.0  # a tiny image (a 64 px digit) is fitted at most 8x, not blown up to the whole view
FIT_MARGIN = 16  # px around a fitted image
ZOOM_STEP = 1.25


class TiledImage(QGraphicsItem):
    """Draws an image from its preview or, zoomed in, from tiles of the right mipmap level.

    Decoded levels are kept, most recently drawn last, while they fit ``level_budget`` bytes; the
    level being drawn always stays. So zooming back out of a 10k photo (400 MB at full resolution)
    gives that memory back at the next paint instead of holding it until the next item.
    """

    def __init__(self, request_level: Callable[[int], None], forget_level: Callable[[int], None]) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # exposedRect is exact
        self._request_level = request_level
        self._forget_level = forget_level
        self.level_budget = LEVEL_BUDGET
        self.full = QSize()
        self.preview: QImage | None = None
        self._preview_pixmap: QPixmap | None = None
        self.levels: OrderedDict[int, QImage] = OrderedDict()
        self.tiles: OrderedDict[tuple[int, int, int], QPixmap] = OrderedDict()
        self.largest_pixmap = 0  # the longest side of any pixmap made (the tests hold it to a tile)

    def set_image(self, full: QSize, preview: QImage) -> None:
        self.prepareGeometryChange()
        self.full = full
        self.preview = preview
        self._preview_pixmap = None
        self.levels.clear()
        self.tiles.clear()
        self.update()

    def clear(self) -> None:
        self.set_image(QSize(), QImage())
        self.preview = None

    def add_level(self, level: int, image: QImage) -> None:
        self.levels[level] = image
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.full.width(), self.full.height())

    def preview_factor(self) -> float:
        return (
            self.preview.width() / self.full.width()
            if self.preview is not None and self.full.width()
            else 1.0
        )

    def level_for(self, scale: float) -> int | None:
        """The mipmap level to draw at ``scale`` screen pixels per image pixel; None = the preview
        is sharp enough (it has at least as many pixels as the screen shows)."""
        factor = self.preview_factor()
        if factor >= 1 or scale <= factor * 1.05:
            return None
        level = 0 if scale >= 1 else math.floor(math.log2(1 / scale))
        return None if 2.0**-level <= factor * 1.05 else level

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, _widget: QWidget | None = None
    ) -> None:
        if self.preview is None or self.preview.isNull():
            return
        exposed = option.exposedRect.intersected(self.boundingRect())
        if exposed.isEmpty():
            return
        scale = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(
            QPainter.RenderHint.SmoothPixmapTransform, scale < 1
        )  # crisp pixels when magnified
        wanted = self.level_for(scale)
        if wanted is not None and wanted not in self.levels:
            self._request_level(wanted)
        # the sharpest level loaded that is not finer than wanted (a finer one would mean many tiles)
        loaded = [k for k in self.levels if wanted is not None and k >= wanted]
        level = min(loaded) if loaded else None
        if level is None:
            self._paint_preview(painter, exposed)
        else:
            self.levels.move_to_end(level)
            self._paint_tiles(painter, exposed, level)
        self._trim(keep=level)

    def _trim(self, keep: int | None) -> None:
        """Drop the least recently drawn levels (and their tiles) beyond the budget, never ``keep``."""
        used = sum(image.sizeInBytes() for image in self.levels.values())
        for level in list(self.levels):
            if used <= self.level_budget:
                break
            if level == keep:
                continue
            used -= self.levels.pop(level).sizeInBytes()
            for key in [k for k in self.tiles if k[0] == level]:
                del self.tiles[key]
            self._forget_level(level)  # asked for again if a zoom wants it later

    def _paint_preview(self, painter: QPainter, exposed: QRectF) -> None:
        assert self.preview is not None
        if self._preview_pixmap is None:
            self._preview_pixmap = QPixmap.fromImage(self.preview)
            self.largest_pixmap = max(self.largest_pixmap, self.preview.width(), self.preview.height())
        factor = self.preview_factor()
        source = QRectF(
            exposed.x() * factor, exposed.y() * factor, exposed.width() * factor, exposed.height() * factor
        )
        painter.drawPixmap(exposed, self._preview_pixmap, source)

    def _paint_tiles(self, painter: QPainter, exposed: QRectF, level: int) -> None:
        image = self.levels[level]
        factor = image.width() / self.full.width()
        x0, y0 = int(exposed.left() * factor) // TILE, int(exposed.top() * factor) // TILE
        x1 = min(image.width() - 1, math.ceil(exposed.right() * factor)) // TILE
        y1 = min(image.height() - 1, math.ceil(exposed.bottom() * factor)) // TILE
        for ty in range(y0, y1 + 1):
            for tx in range(x0, x1 + 1):
                pixmap = self._tile(level, image, tx, ty)
                source = QRectF(pixmap.rect())
                target = QRectF(
                    tx * TILE / factor, ty * TILE / factor, source.width() / factor, source.height() / factor
                )
                painter.drawPixmap(target, pixmap, source)

    def _tile(self, level: int, image: QImage, tx: int, ty: int) -> QPixmap:
        key = (level, tx, ty)
        pixmap = self.tiles.get(key)
        if pixmap is not None:
            self.tiles.move_to_end(key)
            return pixmap
        rect = QRect(tx * TILE, ty * TILE, TILE, TILE).intersected(image.rect())
        pixmap = QPixmap.fromImage(image.copy(rect))
        self.largest_pixmap = max(self.largest_pixmap, rect.width(), rect.height())
        self.tiles[key] = pixmap
        while len(self.tiles) > TILE_CACHE:
            self.tiles.popitem(last=False)
        return pixmap


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
