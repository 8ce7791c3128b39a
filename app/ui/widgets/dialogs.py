"""The frame every small dialog shares (title, width, a heading over a paragraph, a row of buttons),
awaiting a dialog without a nested event loop, and a dialog whose work runs as operations."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.ui.operations import Operations, message_of
from app.ui.widgets import styled_label


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


class OperationDialog(QDialog):
    """A dialog whose work runs as operations (``ops``): one at a time, with its progress shown and
    its failure in words, and no closing while one runs. That work is scrypt in a worker thread, a
    keystore write or a transaction being signed: cancelling could not stop it, so the dialog must
    not look cancelled when it is not, and its result must not land on a deleted dialog."""

    def __init__(
        self, name: str, describe: Callable[[BaseException], Any] = message_of, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ops = Operations(name=name, describe=describe, parent=self)

    @property
    def busy(self) -> bool:
        return self.ops.busy()

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
