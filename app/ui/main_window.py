"""The main window: sidebar on the left, the current page on the right, the status bar below.

It knows nothing about networks or settings files: the shell hands it the pages and tells it what
to do on close (quit, or hide to the tray). That keeps it small and lets tests build it with fakes.

The window is built in two steps so it can paint before the app's data is open: first the frame
(sidebar, status bar, an empty page area) from the navigation entries alone, then ``set_pages``
once the pages exist. The current page can be chosen before the pages arrive; it is shown then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QByteArray, QSize, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from app.ui.icons import app_icon
from app.ui.sidebar import NavEntry, Sidebar
from app.ui.status_bar import ShellStatusBar
from app.ui.theme import Colors
from app.ui.widgets import Banner

log = logging.getLogger(__name__)

DEFAULT_SIZE = QSize(1240, 800)


class MainWindow(QMainWindow):
    """Navigation, banners, geometry and close behaviour; the pages bring their own content."""

    quit_requested = Signal()
    hidden_to_tray = Signal()
    page_changed = Signal(int)

    def __init__(
        self,
        entries: Sequence[NavEntry],
        colors: Colors,
        *,
        hide_on_close: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Sahara Desktop")
        self.setWindowIcon(app_icon())
        self.setMinimumSize(QSize(760, 520))
        self.hide_on_close = hide_on_close  # asked on every close: True hides to the tray
        self._colors = colors
        self._closing_for_quit = False
        self._entries = list(entries)
        self._current = 0

        central = QWidget()
        central.setObjectName("Content")
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.sidebar = Sidebar(self._entries, colors)
        row.addWidget(self.sidebar)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self._banners = QVBoxLayout()
        self._banners.setContentsMargins(40, 0, 40, 0)
        self._banners.setSpacing(8)
        column.addLayout(self._banners)
        self.stack = QStackedWidget()  # empty (the window's background) until set_pages
        column.addWidget(self.stack, 1)
        row.addLayout(column, 1)
        self.setCentralWidget(central)

        self.status = ShellStatusBar(colors)
        self.setStatusBar(self.status)

        self.sidebar.page_selected.connect(self.set_page)
        self.shortcuts: list[QShortcut] = []
        for index in range(min(len(self._entries), 9)):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
            shortcut.activated.connect(lambda i=index: self.set_page(i))
            self.shortcuts.append(shortcut)
        self.set_page(0)

    # -- navigation ------------------------------------------------------------------------------

    def set_pages(self, pages: Sequence[QWidget]) -> None:
        """Install the pages, one per navigation entry, and show the current one."""
        if len(pages) != len(self._entries) or self.stack.count():
            raise ValueError(f"set_pages wants {len(self._entries)} pages, once")
        for page in pages:
            self.stack.addWidget(page)
        self.stack.setCurrentIndex(self._current)

    def has_pages(self) -> bool:
        return self.stack.count() > 0

    def set_page(self, index: int) -> None:
        if not 0 <= index < len(self._entries):
            return
        self._current = index
        if self.has_pages():
            self.stack.setCurrentIndex(index)
        self.sidebar.set_current(index)
        self.page_changed.emit(index)

    def current_page(self) -> int:
        return self._current

    # -- banners ---------------------------------------------------------------------------------

    def show_banner(
        self, text: str, level: str = "warning", action: tuple[str, Callable[[], object]] | None = None
    ) -> Banner:
        """A dismissable notice above the page (settings reset, devnet gave up, no wallet yet, ...),
        with an optional action button ("Set up wallet")."""
        color = {"error": self._colors.danger, "info": self._colors.accent}.get(level, self._colors.warning)
        banner = Banner(text, level, color, action=action)
        if self._banners.count() == 0:
            self._banners.setContentsMargins(40, 20, 40, 0)
        self._banners.addWidget(banner)
        banner.show()  # a child added to an already visible window is otherwise shown only later
        banner.dismissed.connect(lambda: self._banners.removeWidget(banner))
        return banner

    def banners(self) -> list[Banner]:
        items = (self._banners.itemAt(i).widget() for i in range(self._banners.count()))
        return [w for w in items if isinstance(w, Banner) and not w.isHidden()]

    # -- theme -----------------------------------------------------------------------------------

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.sidebar.apply_colors(colors)
        self.status.apply_colors(colors)
        for index in range(self.stack.count()):
            apply = getattr(self.stack.widget(index), "apply_colors", None)
            if apply is not None:
                apply(colors)

    # -- geometry --------------------------------------------------------------------------------

    def geometry_b64(self) -> str:
        return bytes(self.saveGeometry().toBase64().data()).decode("ascii")

    def restore_geometry_b64(self, encoded: str | None) -> bool:
        """Restore a saved geometry; anything unusable falls back to a centred default size."""
        if encoded:
            try:
                if self.restoreGeometry(QByteArray.fromBase64(encoded.encode("ascii"))):
                    return True
            except (UnicodeEncodeError, ValueError):
                pass
            log.info("saved window geometry is unusable; using the default size")
        self.resize(DEFAULT_SIZE)
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            self.resize(self.size().boundedTo(area.size()))
            frame = self.frameGeometry()
            frame.moveCenter(area.center())
            self.move(frame.topLeft())
        return False

    # -- closing ---------------------------------------------------------------------------------

    def close_for_quit(self) -> None:
        """Close for real (the app is quitting), bypassing close-to-tray."""
        self._closing_for_quit = True
        self.close()

    def bring_to_front(self) -> None:
        self.show()
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing_for_quit:
            event.accept()
            return
        event.ignore()
        if self.hide_on_close():
            self.hide()
            self.hidden_to_tray.emit()
        else:
            self.quit_requested.emit()
