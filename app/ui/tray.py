"""The system-tray icon and its menu: Open, Pause worker, Quit.

The menu and its actions always exist (so they can be tested and reused, e.g. in a dock menu); the
tray icon itself is only created where the desktop has a tray. The icon shows what the GPU worker
does (a dot on the app icon: green working, accent idle, amber paused, none when off), its tooltip
says so with today's earnings, and "Pause worker" is the one-click pause (checked while paused by
the owner; disabled, with the reason, while no worker runs). ``show_worker`` is all it is told.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.ui.icons import app_icon
from app.words import sahara

PAUSE_UNAVAILABLE = "The GPU worker is off: turn it on from the Compute page."
PAUSE_HINT = "Stop taking jobs and stop the running one now; it is re-run on resume."
DOT = {"working": "#2fbf71", "idle": "#f0913a", "paused": "#e0a126", "starting": "#9a9ca8"}
WORDS = {
    "off": "worker off",
    "starting": "worker starting",
    "idle": "worker idle",
    "working": "worker working",
    "paused": "worker paused",
}


def status_icon(phase: str, size: int = 64) -> QIcon:
    """The app icon with a dot in its lower right corner for the worker's ``phase`` (none when off)."""
    base = app_icon()
    if phase not in DOT:
        return base
    pixmap = QPixmap(base.pixmap(size, size))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    radius = size * 0.22
    centre = size - radius - 1
    painter.setPen(QColor("#ffffff"))
    painter.setBrush(QColor(DOT[phase]))
    painter.drawEllipse(QRectF(centre - radius, centre - radius, 2 * radius, 2 * radius))
    painter.end()
    return QIcon(pixmap)


class TrayController(QObject):
    """Owns the tray menu and, where available, the tray icon."""

    open_requested = Signal()
    quit_requested = Signal()
    pause_toggled = Signal(bool)  # True: pause the worker

    def __init__(self, parent: QObject | None = None, *, force_available: bool | None = None) -> None:
        super().__init__(parent)
        self._disposed = False
        self.phase = "off"
        self.tooltip = "Sahara Desktop"
        self.menu = QMenu()
        self.menu.setToolTipsVisible(True)
        self.open_action = QAction("Open Sahara", self.menu)
        self.open_action.triggered.connect(self.open_requested)
        self.status_action = QAction("GPU worker off", self.menu)
        self.status_action.setEnabled(False)  # a line of text, not a command
        self.pause_action = QAction("Pause worker", self.menu)
        self.pause_action.setCheckable(True)
        self.pause_action.setEnabled(False)
        self.pause_action.setToolTip(PAUSE_UNAVAILABLE)
        self.pause_action.triggered.connect(self.pause_toggled)
        self.quit_action = QAction("Quit Sahara", self.menu)
        self.quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(self.open_action)
        self.menu.addSeparator()
        self.menu.addAction(self.status_action)
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)

        available = QSystemTrayIcon.isSystemTrayAvailable() if force_available is None else force_available
        self.icon: QSystemTrayIcon | None = None
        if available:
            self.icon = QSystemTrayIcon(app_icon(), self)
            self.icon.setToolTip(self.tooltip)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._on_activated)
            self.icon.show()

    @property
    def available(self) -> bool:
        """True when a tray icon is showing, i.e. closing the window to the tray is safe."""
        return self.icon is not None and self.icon.isVisible()

    def show_worker(self, phase: str, text: str, owner_paused: bool, today_wei: int | None) -> None:
        """The worker's ``phase`` (off / starting / idle / working / paused), what it does in words,
        whether the owner paused it, and today's earnings (None: unknown, e.g. the worker is off)."""
        if self._disposed:
            return
        self.phase = phase
        running = phase not in ("off", "starting")
        self.status_action.setText(
            f"GPU {WORDS[phase]}: {text}" if phase != "off" else f"GPU worker off: {text}"
        )
        self.pause_action.setEnabled(running)
        self.pause_action.setChecked(owner_paused)
        self.pause_action.setText("Resume worker" if owner_paused else "Pause worker")
        self.pause_action.setToolTip(PAUSE_HINT if running else PAUSE_UNAVAILABLE)
        lines = [f"Sahara — {WORDS[phase]}", text]
        if today_wei is not None:
            lines.append(f"Earned today: {sahara(today_wei)}")
        self.tooltip = "\n".join(lines)
        if self.icon is not None:
            self.icon.setIcon(status_icon(phase))
            self.icon.setToolTip(self.tooltip)

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
