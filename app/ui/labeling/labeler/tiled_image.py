"""``TiledImage``: a graphics item that draws a huge image without one giant pixmap.

Zoomed out it draws the item's preview. Zoomed in it asks the canvas for a mipmap level (the
image decoded at 1/2^k of full size) and draws that level as 512 px tiles, made into pixmaps
lazily, only for the exposed region, and kept in a small LRU cache: a frame draws a couple of
dozen tiles at most, whatever the image's size. Until a level lands the best one already there is
drawn, stretched. Scene coordinates are pixels of the original image.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QRect, QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

TILE = 512
TILE_CACHE = 64  # pixmaps of at most TILE x TILE: 64 MB at 32 bits per pixel
LEVEL_BUDGET = 160 * 1024 * 1024  # decoded levels not being drawn: a 6,000 px photo's full size


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
