"""Light and dark themes that follow the OS colour scheme unless the user's setting overrides it.

The OS preference comes from ``QStyleHints.colorScheme`` and its change signal. An explicit setting
is pushed back into Qt with ``setColorScheme`` so native parts (title bars, file dialogs) match; the
``system`` setting calls ``unsetColorScheme`` to hand control back to the OS. Widgets that draw
their own colours (icons, status dots) connect to ``ThemeManager.changed``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.ui.stylesheet import build_stylesheet

log = logging.getLogger(__name__)

ThemeMode = Literal["system", "light", "dark"]


@dataclass(frozen=True)
class Colors:
    """One theme's colour roles; the stylesheet and every custom-drawn widget use only these."""

    name: Literal["light", "dark"]
    window: str
    sidebar: str
    surface: str
    surface_alt: str
    border: str
    text: str
    muted: str
    faint: str
    accent: str
    accent_text: str
    accent_soft: str
    hover: str
    selected: str
    success: str
    warning: str
    warning_soft: str
    danger: str


DARK = Colors(
    name="dark",
    window="#15161a",
    sidebar="#1b1c21",
    surface="#1f2026",
    surface_alt="#26272e",
    border="#2c2d35",
    text="#e8e8ec",
    muted="#9a9ca8",
    faint="#6b6d78",
    accent="#f0913a",
    accent_text="#1a1208",
    accent_soft="#3a2a1b",
    hover="#25262d",
    selected="#2c2d36",
    success="#4cc38a",
    warning="#f2b544",
    warning_soft="#3a3020",
    danger="#f0645a",
)

LIGHT = Colors(
    name="light",
    window="#fbfaf8",
    sidebar="#f3f1ed",
    surface="#ffffff",
    surface_alt="#f6f4f0",
    border="#e4e1da",
    text="#1d1e22",
    muted="#5f626b",
    faint="#9a9ca3",
    accent="#d46f1c",
    accent_text="#ffffff",
    accent_soft="#fbeadb",
    hover="#ebe8e2",
    selected="#e5e1d9",
    success="#1f9d63",
    warning="#b7791f",
    warning_soft="#fdf3dc",
    danger="#d2433a",
)


def _palette(c: Colors) -> QPalette:
    """A Fusion palette from the colour roles, so widgets the stylesheet leaves alone still match."""
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.window,
        QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.surface,
        QPalette.ColorRole.AlternateBase: c.surface_alt,
        QPalette.ColorRole.ToolTipBase: c.surface_alt,
        QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.PlaceholderText: c.faint,
        QPalette.ColorRole.Text: c.text,
        QPalette.ColorRole.Button: c.surface_alt,
        QPalette.ColorRole.ButtonText: c.text,
        QPalette.ColorRole.BrightText: c.danger,
        QPalette.ColorRole.Highlight: c.accent,
        QPalette.ColorRole.HighlightedText: c.accent_text,
        QPalette.ColorRole.Link: c.accent,
        QPalette.ColorRole.Mid: c.border,
        QPalette.ColorRole.Dark: c.border,
    }
    for role, value in roles.items():
        pal.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.faint))
    return pal


class ThemeManager(QObject):
    """Owns the app's look: resolves the mode to light/dark and re-styles the app when it changes."""

    changed = Signal(object)  # Colors

    def __init__(self, app: QApplication, mode: ThemeMode = "system", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._mode: ThemeMode = mode
        self._colors: Colors = LIGHT
        app.setStyle("Fusion")
        app.styleHints().colorSchemeChanged.connect(self._on_os_scheme_changed)
        self.apply()

    @property
    def mode(self) -> ThemeMode:
        return self._mode

    @property
    def colors(self) -> Colors:
        return self._colors

    def set_mode(self, mode: ThemeMode) -> None:
        """Switch between following the OS and a fixed light or dark theme."""
        if mode != self._mode:
            self._mode = mode
            self.apply()

    def resolve(self) -> Colors:
        """The colours for the current mode; an OS that reports no preference gets light."""
        if self._mode == "dark":
            return DARK
        if self._mode == "light":
            return LIGHT
        return DARK if self.os_scheme() == Qt.ColorScheme.Dark else LIGHT

    def os_scheme(self) -> Qt.ColorScheme:
        """What the platform reports (Unknown on desktops without a preference, and offscreen)."""
        return self._app.styleHints().colorScheme()

    def apply(self) -> None:
        hints = self._app.styleHints()
        # Tell Qt (and through it the platform) about an explicit choice; hand back to the OS otherwise.
        if self._mode == "system":
            hints.unsetColorScheme()
        else:
            hints.setColorScheme(Qt.ColorScheme.Dark if self._mode == "dark" else Qt.ColorScheme.Light)
        colors = self.resolve()
        if colors == self._colors and self._app.styleSheet():
            return
        self._colors = colors
        self._app.setPalette(_palette(colors))
        self._app.setStyleSheet(build_stylesheet(colors))
        log.debug("theme applied: %s (mode %s)", colors.name, self._mode)
        self.changed.emit(colors)

    def _on_os_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        # Our own setColorScheme also lands here; re-resolving is idempotent, so that is harmless.
        self.apply_if_following_os()

    def apply_if_following_os(self) -> None:
        if self._mode == "system":
            self.apply()
