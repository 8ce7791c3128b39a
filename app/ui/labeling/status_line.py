"""``StatusLine``: the line under a labeling view's header that says what is under way or what went
wrong, and hides itself when there is nothing to say; every labeling view (the campaign lists, a
campaign's instructions, the batch, earnings, the monitor) reports its background calls this way, so
the widget is written once here instead of as a label plus a ``show_status`` body in each view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.ui.widgets import set_role


class StatusLine(QLabel):
    """A wrapped, hidden-while-empty label whose stylesheet role (hint, error, ok) says what it is."""

    def __init__(self, *, selectable: bool = False) -> None:
        """``selectable``: the text can be selected with the mouse (long errors worth copying)."""
        super().__init__()
        self.setProperty("role", "hint")
        self.setWordWrap(True)
        if selectable:
            self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def say(self, text: str | None, role: str = "hint") -> None:
        """Show ``text`` in ``role``'s look; None or "" hides the line."""
        self.setText(text or "")
        self.setVisible(bool(text))
        set_role(self, role)
