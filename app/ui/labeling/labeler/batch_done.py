"""``BatchDonePage``: what the labeling view shows once a batch is in (what was submitted and where it
went, "Label the next batch" while the campaign has batches left, "Back to campaigns"); it takes the
place of the item and side panel in the view's page stack and shares none of their state, so it is
built here rather than inside the labeling view."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from app.ui.widgets import Card, action_button, styled_label


class BatchDonePage(QWidget):
    def __init__(self, on_next: Callable[[], object], on_back: Callable[[], object]) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card = Card(padding=28, spacing=10)
        card.setMaximumWidth(560)
        self.title = styled_label("Batch submitted", "empty-title")
        self.body = styled_label("", "empty-body", wrap=True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card.body.addWidget(self.title)
        card.body.addWidget(self.body)
        buttons = QHBoxLayout()
        self.next_button = action_button("Label the next batch", on_next, primary=True)
        buttons.addWidget(self.next_button)
        buttons.addWidget(action_button("Back to campaigns", on_back))
        buttons.addStretch(1)
        card.body.addLayout(buttons)
        column.addWidget(card)

    def show_submitted(self, text: str, *, more: bool) -> None:
        """``text`` says what was submitted; ``more``: offer the next batch."""
        self.body.setText(text)
        self.next_button.setVisible(more)
