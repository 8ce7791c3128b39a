"""The studio's room: the canvas in the middle, the palette and the side panel collapsible beside it.

The canvas gets the room by default: on a wide window the palette and the side panel (inspector,
playground, history, versions) take narrow columns so the canvas keeps at least 60 % of the window;
on a small one (960x640) both start collapsed and their toolbar toggles open them. A collapsed pane
keeps its last width, so opening it again puts it back where it was.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSplitter, QWidget

PALETTE_WIDTH = 140
SIDE_WIDTH = 256  # the playground's narrowest
SIDE_MAX_WIDTH = 440
# Below this width for the whole editor, both panes start collapsed (a 960 px window leaves ~730).
ROOMY_WIDTH = 1000


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
        self._placed = False
        self.splitterMoved.connect(lambda *_: self.toggled.emit())

    def place(self) -> None:
        """Lay the panes out once the editor has its real width: roomy or compact."""
        if self._placed or self.width() < 200:
            return
        self._placed = True
        roomy = self.width() >= ROOMY_WIDTH
        self._apply({0: roomy, 2: roomy}, remember=False)

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
        self._placed = True
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
