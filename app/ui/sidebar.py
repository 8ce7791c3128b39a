"""The navigation sidebar: the logo, one checkable button per page, Settings pinned at the bottom.

The sidebar only reports which page the user picked (``page_selected``) and shows which one is
current (``set_current``); the main window owns the stack of pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.icons import app_icon, glyph
from app.ui.theme import Colors
from app.ui.widgets import styled_label
from app.version import __version__

SIDEBAR_WIDTH = 216


@dataclass(frozen=True)
class NavEntry:
    """One sidebar item: the label, its Phosphor icon name, and whether it sits at the bottom."""

    title: str
    icon: str
    pinned_bottom: bool = False


class Sidebar(QWidget):
    """Vertical navigation; button ``i`` selects page ``i`` (the same index Ctrl+i+1 uses)."""

    page_selected = Signal(int)

    def __init__(self, entries: list[NavEntry], colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFixedWidth(SIDEBAR_WIDTH)
        self._entries = entries
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.buttons: list[QPushButton] = []

        column = QVBoxLayout(self)
        column.setContentsMargins(12, 18, 12, 14)
        column.setSpacing(2)
        column.addLayout(self._header())
        column.addSpacing(18)

        bottom: list[QPushButton] = []
        for index, entry in enumerate(entries):
            button = self._make_button(index, entry)
            if entry.pinned_bottom:
                bottom.append(button)
            else:
                column.addWidget(button)
        column.addStretch(1)
        for button in bottom:
            column.addWidget(button)
        column.addSpacing(8)
        caption = styled_label(f"Sahara Desktop {__version__}")
        caption.setObjectName("SidebarCaption")
        caption.setContentsMargins(10, 0, 0, 0)
        column.addWidget(caption)

        self._group.idClicked.connect(self.page_selected)
        self.apply_colors(colors)

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(8, 0, 0, 0)
        row.setSpacing(10)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(QSize(28, 28), self.devicePixelRatioF()))
        row.addWidget(logo)
        title = QLabel("Sahara")
        title.setObjectName("SidebarTitle")
        row.addWidget(title)
        row.addStretch(1)
        return row

    def _make_button(self, index: int, entry: NavEntry) -> QPushButton:
        button = QPushButton(f"  {entry.title}")
        button.setObjectName("NavButton")
        button.setCheckable(True)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setIconSize(QSize(18, 18))
        button.setToolTip(f"{entry.title}  (Ctrl+{index + 1})")
        button.setAccessibleName(entry.title)
        self._group.addButton(button, index)
        self.buttons.append(button)
        return button

    def apply_colors(self, colors: Colors) -> None:
        """Redraw the icons in the theme's colours (the accent marks the current page)."""
        for entry, button in zip(self._entries, self.buttons, strict=True):
            button.setIcon(glyph(entry.icon, colors.muted, color_on=colors.accent))

    def set_current(self, index: int) -> None:
        button = self._group.button(index)
        if button is not None:
            button.setChecked(True)

    def current(self) -> int:
        return self._group.checkedId()
