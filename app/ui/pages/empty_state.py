"""The page a feature shows until it lands: what it will do, and nothing that pretends to work.

No sample rows, no fake balances, no buttons that do nothing: a user should be able to trust that
everything on screen is real. ``EmptyStateCard`` is also what a built page shows while what it
works on is not there yet (the Wallet page with no wallet).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout

from app.ui.icons import glyph
from app.ui.theme import Colors
from app.ui.widgets import Card, Page, styled_label


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


class EmptyStatePage(Page):
    """Title, a card saying what is not here yet and why, and what the page will let you do."""

    def __init__(
        self,
        title: str,
        subtitle: str,
        *,
        icon: str,
        headline: str,
        body: str,
        plans: list[str],
        colors: Colors,
    ) -> None:
        super().__init__(title, subtitle)
        self.add_badge("Not built yet")
        self.card = EmptyStateCard(icon, headline, body, colors)
        text = self.card.text
        text.addSpacing(14)
        text.addWidget(styled_label("WHAT THIS PAGE WILL DO", "caption"))
        text.addSpacing(4)
        self.plan_labels: list[QLabel] = []
        for plan in plans:
            line = QHBoxLayout()
            line.setSpacing(10)
            dot = styled_label("•", "bullet")
            line.addWidget(dot, 0, Qt.AlignmentFlag.AlignTop)
            bullet = styled_label(plan, "bullet", wrap=True)
            line.addWidget(bullet, 1)
            self.plan_labels.append(bullet)
            text.addLayout(line)
        self.body.addWidget(self.card)

    def apply_colors(self, colors: Colors) -> None:
        self.card.apply_colors(colors)
