"""A 10,000 x 10,000 image loads as a preview and zooms through mipmap tiles, never as one
full-resolution pixmap."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from labeler_fakes import ANIMALS
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtTest import QTest

from app.labeling.schema import Item, TaskType
from app.labeling.session import LabelingSession
from app.ui.labeling.labeler.labeling_view import LabelingView
from app.ui.labeling.labeler.tiled_image import TILE
from app.ui.theme import DARK

SIDE = 10_000


@pytest.fixture(scope="module")
def huge_jpeg(qapp) -> bytes:
    image = QImage(SIDE, SIDE, QImage.Format.Format_RGB32)
    image.fill(QColor("#335577"))
    painter = QPainter(image)
    for i in range(0, SIDE, 1000):
        painter.fillRect(i, 0, 40, SIDE, QColor("#ffcc00"))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPEG", 80)
    return bytes(data.data())


@pytest.fixture
def view(app, qtbot) -> Iterator[LabelingView]:
    widget = LabelingView(DARK)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.shutdown()


def test_a_10k_image_zooms_without_a_full_resolution_pixmap(view, qtbot, huge_jpeg) -> None:
    session = LabelingSession(TaskType.BOUNDING_BOXES, ANIMALS, [Item(id="huge", image_cid="cid")])
    view.open(session, lambda _item: huge_jpeg, title="Aerial")
    canvas = view.canvas
    qtbot.waitUntil(lambda: canvas.has_image, timeout=10_000)
    image = canvas.image
    assert (image.full.width(), image.full.height()) == (SIDE, SIDE)
    assert max(image.preview.width(), image.preview.height()) <= 2048, "decoded scaled, to fit the view"
    canvas.viewport().repaint()
    assert image.largest_pixmap <= 2048
    # zoom in to 1:1 on a point with the wheel and +, then wait for the full-resolution level
    canvas.set_zoom(0.3, under_mouse=False)
    canvas.centerOn(QPointF(5000, 5000))
    canvas.viewport().repaint()
    qtbot.waitUntil(lambda: 2 in image.levels or 1 in image.levels, timeout=10_000)
    QTest.keyClick(canvas, Qt.Key.Key_Plus)
    canvas.set_zoom(1.0, under_mouse=False)
    canvas.centerOn(QPointF(5000, 5000))
    canvas.viewport().repaint()
    qtbot.waitUntil(lambda: 0 in image.levels, timeout=15_000)
    canvas.viewport().repaint()
    assert image.levels[0].width() == SIDE, "the full resolution is a QImage in memory, drawn as tiles"
    for _ in range(20):
        canvas.pan_by(300, 200)
        canvas.viewport().repaint()
    assert image.tiles and all(key[0] == 0 for key in list(image.tiles)[-4:])
    assert image.largest_pixmap <= 2048 and all(
        p.width() <= TILE and p.height() <= TILE for p in image.tiles.values()
    )
    # a box drawn on the huge image is in its pixels
    view.toggle_box_tool()
    center = canvas.viewport().rect().center()
    QTest.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, center)
    QTest.mouseMove(canvas.viewport(), center + center / 4)
    QTest.mouseRelease(
        canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, center + center / 2
    )
    box = session.answer.boxes[0]
    assert box.x > 5000 and abs(box.w - center.x() / 2) < 2, "1:1 zoom: screen pixels are image pixels"
    # back to the whole image: the full-resolution level (400 MB) is given back at the next paint
    canvas.fit()
    canvas.viewport().repaint()
    assert 0 not in image.levels and not any(key[0] == 0 for key in image.tiles)
    assert sum(level.sizeInBytes() for level in image.levels.values()) <= image.level_budget
    canvas.set_zoom(1.0, under_mouse=False)  # and zooming in again asks for it again
    canvas.viewport().repaint()
    qtbot.waitUntil(lambda: 0 in image.levels, timeout=15_000)
