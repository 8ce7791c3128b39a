"""The shell's frame: what the first paint shows before the app's data is open.

Start-up is progressive. The window (sidebar, status bar saying "Starting…", an empty page area)
is built and painted first, from the few settings a paint needs, read here with plain ``json``:
the theme, the window geometry and the last page. Only then does ``run_gui`` import and open the
runtime (pydantic settings, SQLAlchemy, migrations), build the pages and start the network. The
full ``load_settings`` stays the source of truth: it runs right after the paint, reports a corrupt
file in a banner, and the shell applies its values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.main_window import MainWindow
from app.ui.sidebar import NavEntry
from app.ui.theme import ThemeManager, ThemeMode

if TYPE_CHECKING:
    from app.settings import Settings

NAV = [
    NavEntry("Home", "house"),
    NavEntry("Label", "tag"),
    NavEntry("Studio", "flow-arrow"),
    NavEntry("Marketplace", "storefront"),
    NavEntry("Compute", "cpu"),
    NavEntry("Wallet", "wallet"),
    NavEntry("Settings", "gear-six", pinned_bottom=True),
]


def page_index(title: str) -> int:
    """The stack index of the page named ``title`` in ``NAV`` (pages are built in this order)."""
    return next(i for i, entry in enumerate(NAV) if entry.title == title)


_THEMES: tuple[ThemeMode, ...] = ("system", "light", "dark")


@dataclass(frozen=True)
class BootSettings:
    """The settings the first paint needs; the defaults are ``app.settings.Settings``'s."""

    theme: ThemeMode = "system"
    window_geometry: str | None = None
    last_page: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> BootSettings:
        return cls(settings.theme, settings.window_geometry, settings.last_page)


def read_boot_settings(path: Path) -> BootSettings:
    """Read the first paint's settings from the settings file without pydantic (~50 ms of imports).

    Never fails: a missing or unreadable file, or a value of the wrong kind, gives the default for
    that value. Reporting a broken file is ``load_settings``'s job, right after the first paint.
    """
    try:
        raw: Any = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):  # ValueError covers bad JSON and bad encodings
        return BootSettings()
    if not isinstance(raw, dict):
        return BootSettings()
    theme = raw.get("theme")
    geometry = raw.get("window_geometry")
    page = raw.get("last_page")
    return BootSettings(
        theme=theme if theme in _THEMES else "system",
        window_geometry=geometry if isinstance(geometry, str) else None,
        last_page=page if isinstance(page, int) and not isinstance(page, bool) and page >= 0 else 0,
    )


class ShellFrame:
    """The theme and the main window without pages, placed where the last session left them."""

    def __init__(self, app: QApplication, boot: BootSettings) -> None:
        self.theme = ThemeManager(app, boot.theme)
        self.window = MainWindow(NAV, self.theme.colors)
        # Geometry and page before the first show, so the window never jumps once it is visible.
        self.window.restore_geometry_b64(boot.window_geometry)
        self.window.set_page(boot.last_page)
        self.theme.changed.connect(self.window.apply_colors)


class _PaintWatch(QObject):
    def __init__(self, loop: QEventLoop) -> None:
        super().__init__()
        self._loop = loop
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.painted and event.type() == QEvent.Type.Paint:
            self.painted = True
            self._loop.quit()  # takes effect once this paint (the whole window) is done
        return False


def wait_for_first_paint(window: QWidget, timeout_ms: int = 1500) -> bool:
    """Run Qt's event loop until the shown ``window`` has painted, or ``timeout_ms`` has passed
    (a window the platform never exposes must not stall the start). True if it painted."""
    loop = QEventLoop()
    watch = _PaintWatch(loop)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    window.installEventFilter(watch)
    try:
        timer.start(timeout_ms)
        loop.exec()
    finally:
        timer.stop()
        window.removeEventFilter(watch)
    return watch.painted
