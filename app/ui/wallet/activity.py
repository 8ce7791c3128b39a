"""User activity to the wallet's auto-lock.

``ActivityFilter`` sees every key press, click and wheel turn in the app and reports activity, so
the wallet locks only after the person has really been away.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject

ACTIVITY = frozenset(
    {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel, QEvent.Type.TouchBegin}
)


class ActivityFilter(QObject):
    """An application-wide event filter: input events call ``on_activity``; nothing is consumed."""

    def __init__(self, on_activity: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_activity = on_activity

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY:
            self._on_activity()
        return False
