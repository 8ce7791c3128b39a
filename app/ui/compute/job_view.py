"""A job and every check of the worker's work on it, each with its result (``app.compute.work_checks``):
the current job on the Worker tab, or the one picked in the history."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel

from app.compute.work_checks import WorkCheck
from app.ui.widgets import Card, action_button, styled_label

RESULT = {"passed": ("passed", "chip-mined"), "failed": ("failed", "chip-failed"),
          "pending": ("pending", "chip-signed"), "skipped": ("n/a", "chip")}  # fmt: skip


class JobChecksView(Card):
    """Signal ``refresh_requested(job_id)``."""

    refresh_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.job_id: int | None = None
        top = QHBoxLayout()
        self.title = styled_label("No job right now", "section")
        top.addWidget(self.title, 1)
        self.refresh_button = action_button("Check again", self._refresh)
        self.refresh_button.setEnabled(False)
        top.addWidget(self.refresh_button)
        self.body.addLayout(top)
        self.note = styled_label(
            "When the worker takes a job, every check of its work shows here with its result.",
            "hint",
            wrap=True,
        )
        self.body.addWidget(self.note)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(2, 1)
        self.body.addLayout(self.grid)
        self.rows: list[tuple[str, str, str]] = []  # (name, result, detail) as shown

    def _refresh(self) -> None:
        if self.job_id is not None:
            self.refresh_requested.emit(self.job_id)

    def show_job(self, job_id: int | None, title: str | None = None) -> None:
        self.job_id = job_id
        self.refresh_button.setEnabled(job_id is not None)
        self.title.setText(title or ("No job right now" if job_id is None else f"Job {job_id}"))
        if job_id is None:
            self.show_checks([])
            self.note.setText(
                "When the worker takes a job, every check of its work shows here with its result."
            )
            self.note.show()

    def show_busy(self) -> None:
        self.note.setText("Reading the job's checks from the chain…")
        self.note.show()

    def show_problem(self, text: str) -> None:
        self.note.setText(text)
        self.note.show()

    def show_checks(self, checks: list[WorkCheck]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.rows = [(c.name, c.result, c.detail) for c in checks]
        if checks:
            self.note.hide()
        for row, check in enumerate(checks):
            word, role = RESULT[check.result]
            chip = styled_label(word, role)
            name = styled_label(check.name, "row-title")
            detail: QLabel = styled_label(check.detail, "muted", wrap=True)
            detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.grid.addWidget(chip, row, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(name, row, 1, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(detail, row, 2)
