"""The playground's field for an image input: a data: URL or rows of pixels, a thumbnail, Browse….

An image travels on a wire as a ``data:image/…;base64,`` URL or as rows of grey levels (see
``app.studio.ports``); Browse… turns a picture file into such a URL, and the thumbnail shows what
will be sent, pixels kept sharp.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from app import safe_json

THUMB = 44
MAX_FILE = 10 * 1024 * 1024
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)"


def file_to_data_url(path: Path) -> str:
    """A picture file as a data: URL; raises ``ValueError`` when it is too big to send inline."""
    data = path.read_bytes()
    if len(data) > MAX_FILE:
        raise ValueError(f"{path.name} is larger than {MAX_FILE // (1024 * 1024)} MB")
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def parse_image(text: str) -> Any:
    """What the field sends: a data: URL as is, anything else as JSON (rows of pixels)."""
    text = text.strip()
    if text.startswith("data:"):
        return text
    return safe_json.loads(text)


def _rows_image(rows: list) -> QImage | None:
    if not rows or not all(isinstance(r, list) and r and len(r) == len(rows[0]) for r in rows):
        return None
    try:
        values = [float(v) for row in rows for v in row]
    except (TypeError, ValueError):
        return None
    top = max(values, default=0.0)
    scale = 255.0 if top <= 1.0 else 255.0 / 16.0 if top <= 16.0 else 1.0
    width, height = len(rows[0]), len(rows)
    grey = bytes(max(0, min(255, round(v * scale))) for v in values)
    image = QImage(grey, width, height, width, QImage.Format.Format_Grayscale8)
    return image.copy()  # own the pixels: ``grey`` goes away


def preview(value: Any) -> QPixmap | None:
    """A thumbnail of an image value, or None when it is not one."""
    if isinstance(value, str) and value.startswith("data:image/") and ";base64," in value:
        pixmap = QPixmap()
        payload = value.partition(",")[2]
        if len(payload) > 4 * MAX_FILE // 3 + 8 or not pixmap.loadFromData(
            QByteArray.fromBase64(payload.encode("ascii", "ignore"))
        ):
            return None
    elif isinstance(value, list):
        image = _rows_image(value)
        if image is None:
            return None
        pixmap = QPixmap.fromImage(image)
    else:
        return None
    return pixmap.scaled(
        THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )


class ImageField(QWidget):
    returnPressed = Signal()

    def __init__(self, default: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.default = default
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB, THUMB)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("QLabel { border: 1px solid palette(mid); border-radius: 4px; }")
        self.line = QLineEdit()
        self.line.setPlaceholderText("data:image/… URL or [[pixel rows]]")
        self.line.returnPressed.connect(self.returnPressed)
        self.line.textChanged.connect(self._update_thumb)
        self.browse = QToolButton()
        self.browse.setText("…")
        self.browse.setToolTip("Choose a picture file")
        self.browse.clicked.connect(self.choose_file)
        layout.addWidget(self.thumb)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.browse)
        self._update_thumb()

    def text(self) -> str:
        return self.line.text()

    def setText(self, text: str) -> None:  # the QLineEdit names, which the form calls
        self.line.setText(text)
        self.line.setCursorPosition(0)  # a data: URL shows its kind, not its last characters

    def setPlaceholderText(self, text: str) -> None:
        self.line.setPlaceholderText(text)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose an image", str(Path.home()), IMAGE_FILTER)
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        try:
            self.setText(file_to_data_url(path))
        except (OSError, ValueError) as exc:
            self.thumb.setToolTip(str(exc))

    def _update_thumb(self) -> None:
        text = self.line.text().strip()
        try:
            value = parse_image(text) if text else self.default
        except ValueError:
            value = None
        pixmap = preview(value)
        if pixmap is None:
            self.thumb.clear()
            self.thumb.setText("?" if text else "")
        else:
            self.thumb.setPixmap(pixmap)
