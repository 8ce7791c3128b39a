"""The system-tray icon and its menu: Open, Pause worker, Quit.

The menu and its actions always exist (so they can be tested and reused, e.g. in a dock menu); the
tray icon itself is only created where the desktop has a tray. "Pause worker" is there because GPU
owners will live in this menu, but the worker does not exist yet, so the action is disabled and its
tooltip says why rather than pretending to do something.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.ui.icons import app_icon

PAUSE_UNAVAILABLE = "The GPU worker is not part of the app yet, so there is nothing to pause."


class TrayController(QObject):
    """Owns the tray menu and, where available, the tray icon."""

    open_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None, *, force_available: bool | None = None) -> None:
        super().__init__(parent)
        self._disposed = False
        self.menu = QMenu()
        self.menu.setToolTipsVisible(True)
        self.open_action = QAction("Open Sahara", self.menu)
        self.open_action.triggered.connect(self.open_requested)
        self.pause_action = QAction("Pause worker", self.menu)
        self.pause_action.setCheckable(True)
        self.pause_action.setEnabled(False)
        self.pause_action.setToolTip(PAUSE_UNAVAILABLE)
        self.quit_action = QAction("Quit Sahara", self.menu)
        self.quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(self.open_action)
        self.menu.addSeparator()
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)

        available = QSystemTrayIcon.isSystemTrayAvailable() if force_available is None else force_available
        self.icon: QSystemTrayIcon | None = None
        if available:
            self.icon = QSystemTrayIcon(app_icon(), self)
            self.icon.setToolTip("Sahara Desktop")
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._on_activated)
            self.icon.show()

    @property
    def available(self) -> bool:
        """True when a tray icon is showing, i.e. closing the window to the tray is safe."""
        return self.icon is not None and self.icon.isVisible()

    def notify(self, title: str, text: str) -> None:
        """A tray balloon (where the desktop shows them); silently nothing without a tray."""
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(title, text, app_icon(), 5000)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()

    def dispose(self) -> None:
        """Remove the icon from the tray now (a tray icon can outlive the window on some desktops)."""
        if self._disposed:
            return
        self._disposed = True
        if self.icon is not None:
            self.icon.hide()
            self.icon.deleteLater()
            self.icon = None
        self.menu.deleteLater()
