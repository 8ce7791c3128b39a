"""The one wizard framework: a ``Step`` page (a title, a one-paragraph explanation, a body) and the
``WizardFrame`` around the steps (a caption saying where the user is, the stacked steps, a footer
with Back, Cancel and Next). The wallet's onboarding and the labeling "New campaign" wizard both
render a Qt-free state machine with it; what a step holds and when Next is allowed are theirs."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.theme import Colors
from app.ui.widgets import separator, styled_label
from app.ui.widgets.dialogs import button_row, heading


class Step(QWidget):
    """A page with a title and a one-paragraph explanation; ``body`` takes the rest. With ``fill``
    the body takes the height left (a table, an editor); without, the step's content sits at the top."""

    def __init__(self, title: str, explanation: str, *, spacing: int = 10, fill: bool = False) -> None:
        super().__init__()
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(spacing)
        self.title, self.explanation = heading(title, explanation)
        self.column.addWidget(self.title)
        self.column.addWidget(self.explanation)
        self.column.addSpacing(spacing - 2)
        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        self.column.addLayout(self.body, 1 if fill else 0)
        if not fill:
            self.column.addStretch(1)

    def apply_colors(self, colors: Colors) -> None:
        """Restyle what the step drew with the theme's colours (a theme switch while it is open)."""

    def add_choice(self, caption: str, name: str) -> QComboBox:
        """A captioned drop-down on a row of its own (an import format, a task type)."""
        row = QHBoxLayout()
        row.addWidget(styled_label(caption, "muted"))
        combo = QComboBox()
        combo.setAccessibleName(name)
        row.addWidget(combo)
        row.addStretch(1)
        self.body.addLayout(row)
        return combo


class WizardFrame:
    """Lays out ``dialog`` as a wizard over ``steps``: the caption on top, one step at a time, and
    the footer. The dialog connects the buttons and sets their text and state as its flow moves."""

    def __init__(
        self, dialog: QDialog, steps: list[QWidget], *, back: str = "&Back", next_: str = "&Next"
    ) -> None:
        column = QVBoxLayout(dialog)
        column.setContentsMargins(28, 22, 28, 18)
        column.setSpacing(12)
        self.caption = styled_label("", "caption")
        column.addWidget(self.caption)
        self.stack = QStackedWidget()
        for step in steps:
            self.stack.addWidget(step)
        column.addWidget(self.stack, 1)
        column.addWidget(separator())
        self.back_button = QPushButton(back)
        self.back_button.setAutoDefault(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.next_button = QPushButton(next_)
        self.next_button.setProperty("primary", True)
        self.next_button.setDefault(True)
        footer = button_row(self.cancel_button, self.next_button)
        footer.insertWidget(0, self.back_button)
        column.addLayout(footer)
