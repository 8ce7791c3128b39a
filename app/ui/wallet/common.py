"""Small pieces the wallet's dialogs share: their frame, one background task at a time, awaiting a
dialog, error text, copy buttons, word grids."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import glyph
from app.ui.widgets import set_role, styled_label

if TYPE_CHECKING:
    from app.ui.tasks import Spawn


def dialog_column(
    dialog: QDialog, title: str, width: int, *, spacing: int = 10, intro: tuple[str, str] | None = None
) -> QVBoxLayout:
    """Give ``dialog`` the wallet dialogs' frame (and ``intro``, a heading over a paragraph) and return
    the column its content goes in. Each is deleted on close because it is built afresh every time
    it opens (and a secret goes with it)."""
    dialog.setWindowTitle(title)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setMinimumWidth(width)
    column = QVBoxLayout(dialog)
    column.setContentsMargins(24, 22, 24, 20)
    column.setSpacing(spacing)
    if intro is not None:
        for label in heading(*intro):
            column.addWidget(label)
    return column


class TaskDialog(QDialog):
    """A dialog that runs one background task at a time (scrypt, a keystore write, a transaction)
    and cannot be closed while it runs: the task would finish against a deleted dialog, and a
    keystore being rewritten must not look cancelled when it is not."""

    def __init__(self, spawn: Spawn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spawn = spawn
        self._task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def run(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Start ``work``; callers check ``busy`` first, so a second click does not queue a second run."""
        self._task = self._spawn(work, name)

    def reject(self) -> None:
        if self.busy:
            return
        super().reject()


async def dialog_result(dialog: QDialog) -> int:
    """Open ``dialog`` (never ``exec``: a nested loop would stall asyncio) and await its result."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(code: int) -> None:
        if not future.done():
            future.set_result(code)

    dialog.finished.connect(done)
    dialog.open()
    try:
        return await future
    except asyncio.CancelledError:
        with contextlib.suppress(RuntimeError):  # already closed and deleted
            dialog.reject()
        raise


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


PHRASE_COPIED = "Copied. The clipboard is cleared in 30 seconds; paste it nowhere online."


def phrase_copy_row(color: str) -> tuple[QHBoxLayout, QPushButton, QLabel]:
    """Copy for a recovery phrase with the risk said beside it: (row, button, note). The caller
    copies through ``SecretClipboard`` (cleared after 30 s) and then shows ``PHRASE_COPIED``."""
    row = QHBoxLayout()
    row.setSpacing(10)
    button = QPushButton("Copy")
    button.setAutoDefault(False)
    button.setIcon(glyph("copy", color))
    row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    note = styled_label(
        "Copying is risky: other apps can read the clipboard. Sahara clears it after 30 seconds.",
        "hint",
        wrap=True,
    )
    row.addWidget(note, 1)
    return row, button, note


class WordGrid(QWidget):
    """Numbered words in columns, read in order down each column; not selectable (copying a phrase
    goes only through the explicit Copy button, which warns and clears the clipboard)."""

    def __init__(self, words: list[str] | None = None, columns: int = 3) -> None:
        super().__init__()
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(8)
        self._columns = columns
        self.labels: list[QLabel] = []
        self._words: list[str] = []
        self.set_words(words or [])

    def set_words(self, words: list[str]) -> None:
        for label in self.labels:
            self._grid.removeWidget(label)
            label.deleteLater()
        self.labels = []
        self._words = list(words)
        rows = -(-len(words) // self._columns) if words else 0
        for index, word in enumerate(words):
            cell = QLabel(f"<span style='opacity:0.6'>{index + 1}.</span>&nbsp;&nbsp;{word}")
            cell.setProperty("role", "word")
            cell.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            cell.setAccessibleName(f"Word {index + 1}")
            self._grid.addWidget(cell, index % rows, index // rows)
            self.labels.append(cell)

    def words(self) -> list[str]:
        return list(self._words)


def heading(title: str, body: str) -> tuple[QLabel, QLabel]:
    return styled_label(title, "dialog-title", wrap=True), styled_label(body, "muted", wrap=True)


def button_row(*buttons: QWidget, stretch_first: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(8)
    if stretch_first:
        row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    return row
