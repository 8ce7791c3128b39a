"""``ConfirmTxDialog``: what a transaction does, in words, before anything is signed.

The headline and lines come from ``app.wallet.tx_summary`` (decoded call, amounts with symbols,
the most it can cost in fees, the network). Raw hex stays in a collapsed "Details" section. Confirm
is never the default button: an Enter meant for the previous dialog must not sign; Esc rejects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from app.ui.icons import glyph
from app.ui.widgets import separator, styled_label
from app.ui.widgets.dialogs import button_row, dialog_column

if TYPE_CHECKING:
    from app.ui.theme import Colors
    from app.wallet.tx_summary import TxSummary

_ADDRESSY = ("0x",)


class ConfirmTxDialog(QDialog):
    def __init__(self, summary: TxSummary, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = summary
        column = dialog_column(self, "Confirm transaction", 520, spacing=12)

        column.addWidget(styled_label("REVIEW BEFORE SIGNING", "caption"))
        self.action = styled_label(summary.action, "dialog-title", wrap=True)
        self.action.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.action)

        card = QFrame()
        card.setObjectName("Card")
        grid = QGridLayout(card)
        grid.setContentsMargins(16, 14, 16, 14)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(9)
        rows = [(line.label, line.value) for line in summary.lines]
        rows += [("Network fee", summary.fee), ("Network", summary.network)]
        self.values: dict[str, QLabel] = {}
        for index, (label, value) in enumerate(rows):
            name = styled_label(label, "muted")
            shown = styled_label(value, "mono" if value.startswith(_ADDRESSY) else None, wrap=True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(name, index, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(shown, index, 1)
            self.values[label] = shown
        grid.setColumnStretch(1, 1)
        column.addWidget(card)

        self.warnings: list[QLabel] = []
        for warning in summary.warnings:
            box = QFrame()
            box.setObjectName("Banner")
            row = QHBoxLayout(box)
            row.setContentsMargins(12, 8, 12, 8)
            icon = QLabel()
            icon.setPixmap(glyph("warning", colors.warning).pixmap(QSize(16, 16), self.devicePixelRatioF()))
            row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
            text = styled_label(warning, wrap=True)
            row.addWidget(text, 1)
            self.warnings.append(text)
            column.addWidget(box)

        self.details_button = QPushButton("Show details")
        self.details_button.setProperty("role", "link")
        self.details_button.setCheckable(True)
        self.details_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.details_button.toggled.connect(self._toggle_details)
        column.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.details = QPlainTextEdit("\n".join(f"{line.label}: {line.value}" for line in summary.raw))
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(130)
        self.details.setAccessibleName("Raw transaction details")
        self.details.hide()
        column.addWidget(self.details)

        column.addWidget(separator())
        self.reject_button = QPushButton("Reject")
        self.reject_button.clicked.connect(self.reject)
        self.confirm_button = QPushButton("Confirm")
        self.confirm_button.setProperty("primary", True)
        self.confirm_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.confirm_button.clicked.connect(self.accept)
        for button in (self.reject_button, self.confirm_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        column.addLayout(button_row(self.reject_button, self.confirm_button))
        self.reject_button.setFocus()

    def _toggle_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Show details")
        self.adjustSize()

    def text(self) -> str:
        """Everything the dialog shows outside the collapsed details (tests, accessibility)."""
        parts = [self.action.text()]
        parts += [f"{label}: {value.text()}" for label, value in self.values.items()]
        parts += [w.text() for w in self.warnings]
        return "\n".join(parts)
