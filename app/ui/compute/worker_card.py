"""The worker's card: a coloured dot and what it does now (idle / working / paused, and why), the
on/off switch (remembered) and the one-click pause, the same pause as the tray's."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout

from app.ui.theme import Colors
from app.ui.widgets import Card, action_button, styled_label
from app.workers.compute_worker import WorkerState

TITLES = {
    "off": "Worker off",
    "starting": "Starting",
    "idle": "Idle — waiting for a job",
    "working": "Working",
    "paused": "Paused",
}


def phase_color(phase: str, colors: Colors) -> str:
    return {"working": colors.success, "paused": colors.warning, "idle": colors.accent}.get(
        phase, colors.faint
    )


class WorkerCard(Card):
    """Signals ``enable_requested(bool)`` and ``pause_requested(bool)``."""

    enable_requested = Signal(bool)
    pause_requested = Signal(bool)

    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self._colors = colors
        self._state = WorkerState("off", "The worker is off.")
        self._enabled = False
        row = QHBoxLayout()
        row.setSpacing(14)
        self.dot = QLabel()
        self.dot.setFixedSize(QSize(14, 14))
        row.addWidget(self.dot)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = styled_label("", "section")
        self.detail = styled_label("", "muted", wrap=True)
        text.addWidget(self.title)
        text.addWidget(self.detail)
        row.addLayout(text, 1)
        self.pause_button = action_button("Pause", self._toggle_pause)
        self.pause_button.setToolTip("Stop taking jobs now and stop the running one (it is re-run on resume)")
        row.addWidget(self.pause_button)
        self.enable_button = action_button("Turn on", self._toggle_enabled, primary=True)
        row.addWidget(self.enable_button)
        self.body.addLayout(row)
        self.show_state(self._state, False)

    def show_state(self, state: WorkerState, enabled: bool) -> None:
        self._state, self._enabled = state, enabled
        self.title.setText(
            "Turned on, not running yet" if state.phase == "off" and enabled else TITLES[state.phase]
        )
        self.detail.setText(state.text)
        self.enable_button.setText("Turn off" if enabled else "Turn on")
        self.enable_button.setProperty("primary", not enabled)
        self.enable_button.style().unpolish(self.enable_button)
        self.enable_button.style().polish(self.enable_button)
        self.pause_button.setVisible(enabled)
        self.pause_button.setEnabled(state.phase not in ("off", "starting"))
        self.pause_button.setText("Resume" if state.owner_paused else "Pause")
        self.apply_colors(self._colors)

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        color = phase_color(self._state.phase, colors)
        self.dot.setStyleSheet(f"background: {color}; border-radius: 7px;")

    def _toggle_enabled(self) -> None:
        self.enable_requested.emit(not self._enabled)

    def _toggle_pause(self) -> None:
        self.pause_requested.emit(not self._state.owner_paused)
