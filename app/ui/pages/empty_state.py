"""What a page shows while what it works on is not there yet (no wallet, no network, no match).

No sample rows, no fake balances, no buttons that do nothing: a user should be able to trust that
everything on screen is real. The card says what is missing and what to do about it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout

from app.ui.icons import glyph
from app.ui.theme import Colors
from app.ui.widgets import Card, styled_label


class EmptyStateCard(Card):
    """An accent icon beside a headline and a paragraph; ``text`` (the column they are in) takes
    whatever the page adds below them: plans, buttons."""

    def __init__(self, icon: str, headline: str, body: str, colors: Colors) -> None:
        super().__init__(padding=28, spacing=0)
        self.setMaximumWidth(760)
        self._icon_name = icon
        row = QHBoxLayout()
        row.setSpacing(20)
        self.icon = QLabel()
        self.icon.setFixedSize(QSize(44, 44))
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        self.text = QVBoxLayout()
        self.text.setSpacing(8)
        self.headline = styled_label(headline, "empty-title", wrap=True)
        self.explanation = styled_label(body, "empty-body", wrap=True)
        self.text.addWidget(self.headline)
        self.text.addWidget(self.explanation)
        row.addLayout(self.text, 1)
        self.body.addLayout(row)
        self.apply_colors(colors)

    def apply_colors(self, colors: Colors) -> None:
        pixmap = glyph(self._icon_name, colors.accent).pixmap(QSize(30, 30), self.devicePixelRatioF())
        self.icon.setPixmap(pixmap)
        self.icon.setStyleSheet(f"background: {colors.accent_soft}; border-radius: 12px;")
