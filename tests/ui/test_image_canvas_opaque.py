"""The image canvas paints every pixel of its viewport itself (``WA_OpaquePaintEvent``: Qt's erase
before each paint is skipped, a third of a repaint), so what is not image must be its background."""

from __future__ import annotations

from labeler_fakes import png
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor

from app.ui.labeling.labeler.image_view import ImageCanvas
from app.ui.labeling.labeler.prefetch import Decoded, decode, image_size
from app.ui.theme import DARK, LIGHT


def test_the_viewport_around_a_small_image_is_the_theme_background(app, qtbot) -> None:
    canvas = ImageCanvas(DARK)
    qtbot.addWidget(canvas)
    canvas.resize(900, 700)
    canvas.show()
    qtbot.waitExposed(canvas)
    data = png()
    canvas.show_image(Decoded("a", data, decode(data, QSize(1600, 1200)), image_size(data)))
    assert canvas.viewport().testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
    for colors in (DARK, LIGHT):
        canvas.apply_colors(colors)
        shot = canvas.viewport().grab().toImage()
        for x, y in ((1, 1), (shot.width() - 2, shot.height() - 2), (1, shot.height() // 2)):
            assert shot.pixelColor(x, y) == QColor(colors.surface_alt), (x, y)
    canvas.shutdown()
