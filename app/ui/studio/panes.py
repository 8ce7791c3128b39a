"""The studio's room: the canvas in the middle, the palette and the side panel collapsible beside it.

The canvas gets the room by default: on a wide window the palette and the side panel (inspector,
playground, history, versions) take narrow columns so the canvas keeps at least 60 % of the window;
on a small one (960x640) both start collapsed and their toolbar toggles open them. The panes follow
the window's width (a window maximised later opens them) until the user toggles or drags one; from
then on the layout is the user's. A collapsed pane keeps its last width for when it opens again.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QSplitter, QWidget

PALETTE_WIDTH = 124
SIDE_WIDTH = 272  # the playground needs 256; the four tabs fit in this
SIDE_MAX_WIDTH = 440
# The editor's width from which each pane starts open, so the canvas keeps most of the room: a
# 1600 px window (editor ~1370) opens both, the default 1240 px one the palette only, and a 960 px
# one (~730) neither.
PALETTE_FROM = 850
SIDE_FROM = 1300
MIN_CANVAS = 200


class StudioPanes(QSplitter):
    """A splitter of palette | canvas | side panel whose outer panes collapse and come back."""

    toggled = Signal()  # a pane opened or closed (toolbar toggles follow it)

    def __init__(self, palette: QWidget, canvas: QWidget, side: QWidget) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.palette, self.canvas, self.side = palette, canvas, side
        self.setHandleWidth(4)
        self.setChildrenCollapsible(True)
        for widget in (palette, canvas, side):
            self.addWidget(widget)
        self.setCollapsible(1, False)
        self.setStretchFactor(1, 1)
        side.setMaximumWidth(SIDE_MAX_WIDTH)
        self._widths = {0: PALETTE_WIDTH, 2: SIDE_WIDTH}
        self._placed: tuple[bool, bool] | None = None  # the panes the width last asked for
        self._user_set = False  # a toggle or a drag: the user's layout, kept from then on
        self.splitterMoved.connect(self._dragged)

    def _dragged(self) -> None:
        self._user_set = True
        self.toggled.emit()

    def minimumSizeHint(self) -> QSize:  # type: ignore[override]
        """The canvas's minimum only: open panes never stop the window from shrinking; ``place``
        closes them instead when they no longer fit."""
        return QSize(MIN_CANVAS, super().minimumSizeHint().height())

    def place(self) -> None:
        """Open the panes the editor's width has room for, until the user arranges them; even then
        close the side panel, then the palette, when the canvas would be squeezed out."""
        if self.width() < MIN_CANVAS:
            return
        if self._user_set:
            for index in (2, 0):
                sizes = self.sizes()
                others = sum(self.widget(i).minimumSizeHint().width() for i in (0, 2) if sizes[i] > 0)
                if sizes[index] > 0 and self.width() < others + MIN_CANVAS:
                    self._apply({index: False})
            return
        wanted = (self.width() >= PALETTE_FROM, self.width() >= SIDE_FROM)
        if wanted != self._placed:
            self._placed = wanted
            self._apply({0: wanted[0], 2: wanted[1]}, remember=False)

    def resizeEvent(self, event: object) -> None:  # type: ignore[override]
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.place()

    def is_open(self, index: int) -> bool:
        return self.sizes()[index] > 0

    def palette_open(self) -> bool:
        return self.is_open(0)

    def side_open(self) -> bool:
        return self.is_open(2)

    def set_open(self, index: int, open_: bool) -> None:
        self._user_set = True
        self._apply({index: open_})

    def toggle_palette(self) -> None:
        self.set_open(0, not self.palette_open())

    def toggle_side(self) -> None:
        self.set_open(2, not self.side_open())

    def _apply(self, wanted: dict[int, bool], remember: bool = True) -> None:
        """Open or close panes; ``remember`` keeps an open pane's width (the user's) for next time."""
        sizes = self.sizes()
        total = sum(sizes)
        for index, open_ in wanted.items():
            if remember and sizes[index] > 0:
                self._widths[index] = sizes[index]
            sizes[index] = self._widths[index] if open_ else 0
        sizes[1] = max(200, total - sizes[0] - sizes[2])
        self.setSizes(sizes)
        self.toggled.emit()
