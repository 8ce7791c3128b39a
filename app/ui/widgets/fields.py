"""Small pieces for fields and lines of text that dialogs and wizards share: the status line under a
field (hint, error, success) that grows its window to fit, a secret field, a copy button, a thin
progress bar."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QProgressBar, QPushButton, QWidget

from app.ui.icons import glyph
from app.ui.widgets import set_role


def grow_to_fit(widget: QWidget, passes: int = 2) -> None:
    """Let ``widget``'s window grow (never shrink) to fit content that appeared after it opened:
    an error line, a revealed grid. Wrapped labels need their height for the window's width; a page
    shown just now settles only after its first layout pass, hence a second pass."""

    def fit() -> None:
        window = widget.window()
        layout = window.layout() if window is not None else None
        if layout is None or not window.isWindow():
            return
        layout.activate()
        width = window.width()
        needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
        needed = max(needed, layout.totalMinimumSize().height())
        if needed > window.height():
            window.resize(width, needed)
        if passes > 1:
            grow_to_fit(widget, passes - 1)

    QTimer.singleShot(0, widget, fit)


class StatusText(QLabel):
    """A line under a field: neutral hint, error (red), or success (green)."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.set_hint(text)

    def set_hint(self, text: str) -> None:
        self._set(text, "hint")

    def set_error(self, text: str) -> None:
        self._set(text, "error")

    def set_ok(self, text: str) -> None:
        self._set(text, "ok")

    @property
    def is_error(self) -> bool:
        return self.property("role") == "error" and bool(self.text())

    def _set(self, text: str, role: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))
        set_role(self, role)
        if text:
            grow_to_fit(self)


def secret_field(placeholder: str, name: str | None = None) -> QLineEdit:
    """A field that shows dots for what is typed (a password, a private key); screen readers call
    it ``name``, or read the placeholder."""
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    field.setAccessibleName(name or placeholder)
    return field


def copy_button(text: Callable[[], str], color: str, *, tooltip: str = "Copy the address") -> QPushButton:
    """A small flat button that puts ``text()`` (not a secret) on the clipboard."""
    button = QPushButton()
    button.setProperty("flat", True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setIcon(glyph("copy", color))
    button.setIconSize(QSize(15, 15))
    button.setToolTip(tooltip)
    button.setAccessibleName(tooltip)

    def copy() -> None:
        QGuiApplication.clipboard().setText(text())
        button.setToolTip("Copied")

    button.clicked.connect(copy)
    return button


def progress_bar(maximum: int, height: int) -> QProgressBar:
    """A thin bar without text, hidden until there is progress to show (``maximum`` 0: busy)."""
    bar = QProgressBar()
    bar.setRange(0, maximum)
    bar.setTextVisible(False)
    bar.setMaximumHeight(height)
    bar.hide()
    return bar
