"""The playground's image field: a data: URL or pixel rows, a picture file, and a thumbnail."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.studio.graph import Graph
from app.ui.pages.studio import StudioPage
from app.ui.studio.image_field import ImageField


@pytest.fixture
def page(studio_page: StudioPage) -> StudioPage:
    return studio_page


def _png(path: Path, size: int = 8) -> Path:
    image = QImage(size, size, QImage.Format.Format_Grayscale8)
    image.fill(0)
    image.setPixel(2, 3, 0xFFFFFFFF)
    assert image.save(str(path), "PNG")
    return path


def test_image_input_takes_a_file_a_url_or_rows_and_shows_it(page, tmp_path: Path, qtbot) -> None:
    rows = [[0, 16], [8, 0]]
    graph = Graph.model_validate(
        {
            "nodes": [
                {"id": "img", "type": "input", "config": {"name": "image", "type": "image", "default": rows}},
                {"id": "out", "type": "output", "config": {"name": "same"}},
            ],
            "edges": [
                {"id": "e", "source": "img", "source_port": "value", "target": "out", "target_port": "value"}
            ],
        }
    )
    editor = page.editor
    editor.load(graph, None)
    qtbot.waitUntil(lambda: "image" in editor.playground.inputs)
    kind, field = editor.playground.inputs["image"]
    assert kind == "image" and isinstance(field, ImageField)
    assert field.thumb.pixmap() is not None and not field.thumb.pixmap().isNull(), "the default shows"
    field.load_file(_png(tmp_path / "digit.png"))
    url = field.text()
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.partition(",")[2]) == (tmp_path / "digit.png").read_bytes()
    assert field.thumb.pixmap().width() == 44, "scaled up, pixels kept sharp"
    assert editor.playground.values() == {"image": url}
    editor.run_graph()
    qtbot.waitUntil(lambda: editor.playground.status.text() == "Finished", timeout=10000)
    assert editor.playground.output.toPlainText() == url
    field.setText("[[0, 1], [1, 0]]")
    assert editor.playground.values() == {"image": [[0, 1], [1, 0]]}
    field.setText("not an image")
    assert field.thumb.text() == "?"
    with pytest.raises(ValueError, match="input 'image' must be image"):
        editor.playground.values()
    big = tmp_path / "big.png"
    big.write_bytes(b"\0" * (10 * 1024 * 1024 + 1))
    field.load_file(big)
    assert "larger than 10 MB" in field.thumb.toolTip() and field.text() == "not an image"
