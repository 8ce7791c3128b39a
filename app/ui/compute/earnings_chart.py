"""A bar chart of what the worker earned per day (QPainter): one bar a day, today's in the accent
colour, the amount of the best day as the scale, the days' initials under the bars."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from app.ui.theme import Colors
from app.words import sahara


class EarningsChart(QWidget):
    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self._colors = colors
        self.days: list[tuple[date, int]] = []
        self.setMinimumHeight(120)

    def sizeHint(self) -> QSize:
        return QSize(420, 140)

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.update()

    def show_days(self, days: list[tuple[date, int]]) -> None:
        self.days = days
        best = max((wei for _, wei in days), default=0)
        self.setToolTip("\n".join(f"{d:%a %d %b}: {sahara(w)}" for d, w in days if w) or "Nothing earned yet")
        self.setAccessibleDescription(f"Best day: {sahara(best)}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colors = self._colors
        width, height = self.width(), self.height()
        label_h, top = 18, 18
        best = max((wei for _, wei in self.days), default=0)
        painter.setPen(QColor(colors.muted))
        painter.drawText(QRectF(0, 0, width, top), Qt.AlignmentFlag.AlignLeft, f"Best day {sahara(best)}")
        if not self.days:
            return
        slot = width / len(self.days)
        area = height - label_h - top - 4
        painter.setPen(QColor(colors.border))
        painter.drawLine(0, int(top + area), width, int(top + area))
        for i, (day, wei) in enumerate(self.days):
            bar_h = 0.0 if best == 0 else max(2.0, area * wei / best) if wei else 0.0
            x = i * slot + slot * 0.2
            colour = colors.accent if i == len(self.days) - 1 else colors.faint
            painter.fillRect(QRectF(x, top + area - bar_h, slot * 0.6, bar_h), QColor(colour))
            painter.setPen(QColor(colors.muted))
            painter.drawText(
                QRectF(i * slot, top + area + 2, slot, label_h), Qt.AlignmentFlag.AlignCenter, f"{day:%a}"[:2]
            )
        painter.end()
