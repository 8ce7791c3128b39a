"""Copying a secret: marked for clipboard managers to skip, and cleared after a while.

A recovery phrase on the clipboard can be read by any app and lands in clipboard histories, so the
wallet copies one only when asked, tags it with KDE's password-manager hint (Klipper and others skip
such entries), and clears the clipboard after ``clear_after_ms`` if it still holds the phrase. Only
a hash of the copied text is kept here to recognise it; the phrase itself is not held.
"""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication

CLEAR_AFTER_MS = 30_000
SECRET_HINT = "x-kde-passwordManagerHint"


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class SecretClipboard(QObject):
    cleared = Signal()

    def __init__(
        self,
        clear_after_ms: int = CLEAR_AFTER_MS,
        clipboard: QClipboard | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.clear_after_ms = clear_after_ms
        self._clipboard = clipboard or QGuiApplication.clipboard()
        self._held: bytes | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_if_still_held)

    @property
    def holding(self) -> bool:
        return self._held is not None

    def copy(self, secret: str) -> None:
        mime = QMimeData()
        mime.setText(secret)
        mime.setData(SECRET_HINT, b"secret")
        self._clipboard.setMimeData(mime)
        self._held = _digest(secret)
        self._timer.start(self.clear_after_ms)

    def clear_if_still_held(self) -> bool:
        """Clear the clipboard if it still holds what we copied (not something copied since)."""
        self._timer.stop()
        held, self._held = self._held, None
        if held is not None and _digest(self._clipboard.text()) == held:
            self._clipboard.clear()
            self.cleared.emit()
            return True
        return False
