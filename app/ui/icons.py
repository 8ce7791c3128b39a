"""Icons: the app's own SVG logo and a small set of Phosphor glyphs in the theme's colours.

The glyphs come from the Phosphor icon font that qtawesome ships, drawn here the way qtawesome
draws its ``ph.`` icons (the glyph as text, font size 0.875 × the icon's height, centred), so they
are pixel-for-pixel the same icons. Importing qtawesome itself costs about 140 ms (qtpy, every
bundled font), too much for the first paint, so the font file is found through the package's
location and loaded on its own (a few ms); if it cannot be found, qtawesome draws the icon.

Glyph icons are drawn in the current theme's colours, so callers ask again after a theme change
rather than caching a QIcon across themes.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from functools import cache
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPalette,
    QPixmap,
)

log = logging.getLogger(__name__)

ASSETS = Path(__file__).with_name("assets")
APP_ICON = ASSETS / "sahara.svg"


def app_icon() -> QIcon:
    """The sun-over-dunes logo used for the window, the tray and the sidebar header."""
    return QIcon(str(APP_ICON))


@cache
def phosphor_font() -> tuple[str, dict[str, str]] | None:
    """The Phosphor font family and its glyph map (name -> character), loaded from qtawesome's
    package data without importing qtawesome; None if the files are not where qtawesome keeps them."""
    spec = importlib.util.find_spec("qtawesome")  # locates the package; does not run it
    if spec is None or not spec.submodule_search_locations:
        return None
    fonts = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    for ttf in sorted(fonts.glob("phosphor-*.ttf"), reverse=True):
        charmap = ttf.with_name(ttf.stem.replace("phosphor-", "phosphor-charmap-", 1) + ".json")
        try:
            chars = {name: chr(int(code, 16)) for name, code in json.loads(charmap.read_bytes()).items()}
        except (OSError, ValueError, TypeError) as exc:
            log.info("no usable charmap beside %s (%s)", ttf, exc)
            continue
        families = QFontDatabase.applicationFontFamilies(QFontDatabase.addApplicationFont(str(ttf)))
        if families:
            return families[0], chars
    log.info("the Phosphor font was not found in %s; qtawesome will draw the icons", fonts)
    return None


class GlyphEngine(QIconEngine):
    """Draws one font glyph: ``on`` when the icon's state is On (a checked button), else ``off``;
    ``disabled`` in the Disabled mode; ``off`` in the Selected mode (qtawesome's rules)."""

    def __init__(self, family: str, char: str, off: str, on: str, disabled: str) -> None:
        super().__init__()
        self._args = (family, char, off, on, disabled)

    def _color(self, mode: QIcon.Mode, state: QIcon.State) -> str:
        _family, _char, off, on, disabled = self._args
        if mode == QIcon.Mode.Disabled:
            return disabled
        if mode == QIcon.Mode.Selected or state == QIcon.State.Off:
            return off
        return on

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        family, char = self._args[:2]
        font = QFont()
        font.setFamily(family)
        font.setPixelSize(round(0.875 * rect.height()))
        painter.save()
        painter.setPen(QColor(self._color(mode, state)))
        painter.setFont(font)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), char)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return GlyphEngine(*self._args)


def glyph(name: str, color: str, *, color_on: str | None = None, disabled: str | None = None) -> QIcon:
    """A Phosphor icon (``ph.<name>``); ``color_on`` colours the checked state of checkable buttons."""
    font = phosphor_font()
    if font is not None and name in font[1]:
        if disabled is None:  # qtawesome's default: the palette's disabled text colour
            palette = QGuiApplication.palette()
            disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text).name()
        return QIcon(GlyphEngine(font[0], font[1][name], color, color_on or color, disabled))
    import qtawesome as qta  # the font is missing: qtawesome knows where it is (~140 ms, once)

    options: dict[str, str] = {"color": color, "color_active": color}
    if color_on is not None:
        options |= {"color_on": color_on, "color_on_active": color_on}
    if disabled is not None:
        options["color_disabled"] = disabled
    return qta.icon(f"ph.{name}", **options)
