"""Earnings: what the account can claim per asset (as owner, owner share of an asset with
contributors, labeler or contributor, royalties from derivatives included), one "Claim all" for
everything in one transaction, and the claims paid so far as a list and a small cumulative chart.

The numbers come from ``app.market.earnings`` (an exact ``eth_call`` of what a claim would pay);
the page runs the reads and the claim as operations and calls ``show_earnings``.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from app.market.earnings import AssetEarning, ClaimRecord, Earnings
from app.ui.market.wording import title
from app.ui.theme import Colors
from app.ui.widgets import Card, action_button, styled_label
from app.words import format_sahara, plural, sahara

ROLE_WORDS = {"owner": "owner", "owner share": "owner", "labeler": "labeler", "contributor": "contributor"}


def _share_words(row: AssetEarning) -> str:
    """What part of the asset's royalties the row is: "owner, keeps 10 %", "labeler, 75.00 % of 90 %"."""
    if row.role == "owner share":
        return f"owner, keeps {row.owner_share_bps / 100:g} % of its royalties"
    if not row.total_weight or row.role == "owner":
        return ROLE_WORDS[row.role]
    part = f"{row.weight * 100 / row.total_weight:.2f} % of the contributors'"
    if row.owner_share_bps:
        part += f" {(10_000 - row.owner_share_bps) / 100:g} %"
    return f"{ROLE_WORDS[row.role]}, {part}"


class ClaimChart(QWidget):
    """SAHARA claimed over time, cumulative: a line over the claims, oldest left."""

    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self.colors = colors
        self.claims: list[ClaimRecord] = []
        self.setMinimumHeight(120)
        self.setAccessibleName("Claims over time")

    def set_claims(self, claims: list[ClaimRecord]) -> None:
        self.claims = sorted(claims, key=lambda c: (c.timestamp, c.block))
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(8, 8, -8, -20)
        painter.setPen(QPen(QColor(self.colors.border), 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        if not self.claims:
            painter.setPen(QColor(self.colors.muted))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "No claims yet")
            return
        totals, running = [], 0
        for claim in self.claims:
            running += claim.amount
            totals.append(running)
        first, last = self.claims[0].timestamp, self.claims[-1].timestamp
        span = max(1, last - first)
        top = max(totals) or 1
        path = QPainterPath(QPointF(area.left(), area.bottom()))
        for claim, total in zip(self.claims, totals, strict=True):
            x = (
                area.left() + (claim.timestamp - first) / span * area.width()
                if len(self.claims) > 1
                else area.right()
            )
            y = area.bottom() - total / top * area.height()
            path.lineTo(QPointF(x, y))
        painter.setPen(QPen(QColor(self.colors.accent), 2))
        painter.drawPath(path)
        painter.setPen(QColor(self.colors.muted))
        day = dt.datetime.fromtimestamp(first, dt.UTC).strftime("%Y-%m-%d")
        painter.drawText(QPointF(area.left(), self.height() - 4), day)
        painter.drawText(QPointF(area.right() - 120, area.top() + 12), f"{sahara(totals[-1])} in all")

    def apply_colors(self, colors: Colors) -> None:
        self.colors = colors
        self.update()


class EarningsView(QWidget):
    open_asset = Signal(int)
    claim_all = Signal()

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        top = Card(padding=16, spacing=6)
        row = QHBoxLayout()
        figures = QVBoxLayout()
        figures.addWidget(styled_label("CLAIMABLE NOW", "caption"))
        self.total = styled_label("—", "balance")
        figures.addWidget(self.total)
        self.summary = styled_label("", "muted", wrap=True)
        figures.addWidget(self.summary)
        row.addLayout(figures, 1)
        self.claim_button = action_button("Claim all", self.claim_all.emit, primary=True)
        self.claim_button.setEnabled(False)
        row.addWidget(self.claim_button, 0, Qt.AlignmentFlag.AlignTop)
        top.body.addLayout(row)
        self.problem = styled_label("", "error", wrap=True)
        self.problem.hide()
        top.body.addWidget(self.problem)
        self.done = styled_label("", "ok", wrap=True)
        self.done.hide()
        top.body.addWidget(self.done)
        column.addWidget(top)
        column.addWidget(styled_label("PER ASSET", "caption"))
        self.assets = QGridLayout()
        self.assets.setHorizontalSpacing(16)
        self.assets.setVerticalSpacing(6)
        column.addLayout(self.assets)
        column.addWidget(styled_label("CLAIMS PAID", "caption"))
        self.chart = ClaimChart(colors)
        column.addWidget(self.chart)
        self.history = QVBoxLayout()
        self.history.setSpacing(4)
        column.addLayout(self.history)
        column.addStretch(1)

    def show_earnings(self, found: Earnings, claims: list[ClaimRecord], names: dict[int, str]) -> None:
        for layout in (self.assets, self.history):
            while layout.count():
                widget = layout.takeAt(0).widget()
                if widget is not None:
                    widget.deleteLater()
        self.problem.hide()
        self.total.setText(format_sahara(found.total))
        self.claim_button.setEnabled(found.total > 0)
        self.summary.setText(
            f"From {plural(len(found.rows), 'asset')} you earn from, royalties of their derivatives included."
            if found.rows
            else "You earn from no asset yet: publish one, or label a campaign whose dataset is published."
        )
        for i, row in enumerate(found.rows):
            name = styled_label(title(names.get(row.asset_id, ""), row.asset_id), "row-title")
            share = _share_words(row)
            self.assets.addWidget(name, i, 0)
            self.assets.addWidget(styled_label(share, "muted"), i, 1)
            self.assets.addWidget(styled_label(sahara(row.claimable), "row-value"), i, 2)
            self.assets.addWidget(styled_label(f"{sahara(row.claimed)} claimed", "muted"), i, 3)
        self.assets.setColumnStretch(1, 1)
        self.chart.set_claims(claims)
        for claim in reversed(claims[-20:]):
            when = dt.datetime.fromtimestamp(claim.timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            source = title(names.get(claim.asset_id, ""), claim.asset_id)
            line = styled_label(f"{when} · {sahara(claim.amount)} from {source}", "muted")
            line.setToolTip(f"Transaction {claim.tx_hash}, block {claim.block:,}")
            self.history.addWidget(line)

    def show_claimed(self, amount: int) -> None:
        self.done.setText(f"Claimed {format_sahara(amount)} in one transaction.")
        self.done.show()

    def show_problem(self, why: str) -> None:
        self.problem.setText(why)
        self.problem.show()

    def apply_colors(self, colors: Colors) -> None:
        self.chart.apply_colors(colors)
