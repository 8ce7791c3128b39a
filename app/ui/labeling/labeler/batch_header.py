"""``BatchHeader``: the row above a batch being labeled (back to the campaigns, the campaign's title
with the batch and the claim's ticking expiry, how many items are answered, Submit); it only shows
what the labeling view tells it, while the view's own work is routing keys and drawing the current
item, so the row and its expiry clock are a widget of their own."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from app.ui.labeling.wording import in_words
from app.ui.widgets import action_button, styled_label

CLOCK_MS = 30_000  # how often the "claim expires in …" words are brought up to date


def claim_line(subtitle: str, expires_at: int | None, now: float) -> str:
    """``subtitle`` and, for a claim that expires at ``expires_at``, when (or that it has expired)."""
    parts = [subtitle] if subtitle else []
    if expires_at is not None:
        left = expires_at - int(now)
        when = time.strftime("%H:%M", time.localtime(expires_at))
        parts.append(
            f"claim expires at {when} ({in_words(left)})"
            if left > 0
            else f"the claim expired at {when}: submitting may be refused"
        )
    return " · ".join(parts)


class BatchHeader(QWidget):
    def __init__(self, on_back: Callable[[], object], on_submit: Callable[[], object]) -> None:
        super().__init__()
        self._subtitle = ""
        self._expires_at: int | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)
        self.back_button = action_button("← Campaigns", on_back)
        self.back_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row.addWidget(self.back_button)
        titles = QVBoxLayout()
        titles.setSpacing(1)
        self.title = styled_label("", "section")
        self.subtitle = styled_label("", "hint")
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        row.addLayout(titles, 1)
        self.progress_text = styled_label("", "muted")
        row.addWidget(self.progress_text)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedSize(QSize(140, 6))
        row.addWidget(self.progress)
        self.submit_button = action_button("Submit batch", on_submit, primary=True)
        self.submit_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.submit_button.setToolTip("Ctrl+Enter")
        row.addWidget(self.submit_button)
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_MS)
        self._clock.timeout.connect(self._show_subtitle)

    def show_batch(self, title: str, subtitle: str, expires_at: int | None) -> None:
        """The titles of a batch just opened; a claim with an expiry keeps its words current."""
        self.title.setText(title)
        self._subtitle = subtitle
        self._expires_at = expires_at
        self._show_subtitle()
        if expires_at is not None:
            self._clock.start()

    def stop_clock(self) -> None:
        self._clock.stop()

    def set_busy(self, busy: bool) -> None:
        self.submit_button.setEnabled(not busy)
        self.back_button.setEnabled(not busy)

    def show_progress(self, done: int, total: int) -> None:
        self.progress_text.setText(f"{done} / {total} answered")
        # QProgressBar repaints itself synchronously on a visible step (about 3 ms with the
        # stylesheet, on every answer key); with updates off it is painted with the next frame
        self.progress.setUpdatesEnabled(False)
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.progress.setUpdatesEnabled(True)

    def _show_subtitle(self) -> None:
        self.subtitle.setText(claim_line(self._subtitle, self._expires_at, time.time()))
