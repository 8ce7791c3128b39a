"""Icons: the app's own SVG logo and a small set of Phosphor glyphs through qtawesome.

Glyph icons are drawn in the current theme's colours, so callers ask again after a theme change
rather than caching a QIcon across themes.
"""

from __future__ import annotations

from pathlib import Path

import qtawesome as qta
from PySide6.QtGui import QIcon

ASSETS = Path(__file__).with_name("assets")
APP_ICON = ASSETS / "sahara.svg"


def app_icon() -> QIcon:
    """The sun-over-dunes logo used for the window, the tray and the sidebar header."""
    return QIcon(str(APP_ICON))


def glyph(name: str, color: str, *, color_on: str | None = None, disabled: str | None = None) -> QIcon:
    """A Phosphor icon (``ph.<name>``); ``color_on`` colours the checked state of checkable buttons."""
    options: dict[str, str] = {"color": color, "color_active": color}
    if color_on is not None:
        options |= {"color_on": color_on, "color_on_active": color_on}
    if disabled is not None:
        options["color_disabled"] = disabled
    return qta.icon(f"ph.{name}", **options)
