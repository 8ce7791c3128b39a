"""Glyphs are drawn from qtawesome's Phosphor font without importing qtawesome, pixel for pixel
the icons qtawesome draws; without the font, qtawesome itself draws them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from app.ui import icons
from app.ui.frame import NAV

USED = sorted({entry.icon for entry in NAV} | {"circle-fill", "cube", "warning", "warning-circle"})
MODES = [QIcon.Mode.Normal, QIcon.Mode.Active, QIcon.Mode.Disabled, QIcon.Mode.Selected]


@pytest.mark.parametrize("name", USED)
def test_glyphs_match_qtawesome_pixel_for_pixel(app, name: str) -> None:
    import qtawesome as qta

    ours = icons.glyph(name, "#5f626b", color_on="#d46f1c")
    theirs = qta.icon(
        f"ph.{name}", color="#5f626b", color_active="#5f626b", color_on="#d46f1c", color_on_active="#d46f1c"
    )
    for size in (9, 12, 16, 18, 30):
        for dpr in (1.0, 2.0):
            for state in (QIcon.State.Off, QIcon.State.On):
                for mode in MODES:
                    a = ours.pixmap(QSize(size, size), dpr, mode, state).toImage()
                    b = theirs.pixmap(QSize(size, size), dpr, mode, state).toImage()
                    assert a == b, f"{name} {size}px @{dpr} {mode} {state}"


def test_without_the_font_qtawesome_draws_the_glyph(app, monkeypatch) -> None:
    monkeypatch.setattr(icons, "phosphor_font", lambda: None)
    icon = icons.glyph("house", "#5f626b")
    assert not icon.pixmap(QSize(18, 18)).isNull()
    assert "qtawesome" in sys.modules


def test_drawing_glyphs_does_not_import_qtawesome() -> None:
    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QSize; from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([]); from app.ui.icons import glyph\n"
        "assert not glyph('gear-six', '#000000').pixmap(QSize(18, 18)).isNull()\n"
        "print('qtawesome' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
