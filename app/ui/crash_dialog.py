"""The dialog shown for an unexpected error: what happened, the traceback, and "Copy report".

It is deliberately not modal: the app keeps running behind it, and a second error while it is open
is appended to the same dialog instead of stacking windows.
"""

from __future__ import annotations

import datetime as dt
import platform
import traceback
from pathlib import Path
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.logs import redact
from app.ui.icons import glyph
from app.ui.widgets import action_button, styled_label
from app.version import __version__

SEPARATOR = "\n" + "-" * 72 + "\n"


def format_report(
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
    context: str = "",
) -> str:
    """A plain-text report for a bug tracker: versions, where it happened, the traceback.

    Secrets never belong in a report; ``redact`` removes anything shaped like a key or mnemonic.
    """
    lines = [
        f"Sahara Desktop {__version__}",
        f"Python {platform.python_version()} · PySide6 {pyside_version} · {platform.platform()}",
        f"Time {dt.datetime.now().isoformat(timespec='seconds')}",
    ]
    if context:
        lines.append(f"Context {context}")
    body = "".join(traceback.format_exception(exc_type, exc, tb)) if exc is not None else "(no exception)"
    return redact("\n".join(lines) + "\n\n" + body.rstrip() + "\n")


class CrashDialog(QDialog):
    """Shows one or more error reports; the user can copy them all and carry on."""

    def __init__(self, log_file: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sahara — unexpected error")
        self.setModal(False)
        self.setMinimumSize(QSize(640, 420))
        self.reports: list[str] = []

        column = QVBoxLayout(self)
        column.setContentsMargins(22, 20, 22, 18)
        column.setSpacing(10)
        head = QHBoxLayout()
        head.setSpacing(10)
        self._icon = QLabel()
        head.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        self.headline = styled_label("Something went wrong", "section")
        head.addWidget(self.headline, 1)
        column.addLayout(head)
        where = f" The details are also in the log at {log_file}." if log_file else ""
        self.explanation = styled_label(
            "Sahara hit an error it did not expect. The app is still running and you can keep working; "
            f"if this keeps happening, please send the report below.{where}",
            "muted",
            wrap=True,
        )
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.explanation)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        column.addWidget(self.details, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.copy_button = action_button("Copy report", self.copy_report)
        self.close_button = action_button("Close", self.close, primary=True)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.close_button)
        column.addLayout(buttons)
        self._copied_reset = QTimer(self)
        self._copied_reset.setSingleShot(True)
        self._copied_reset.timeout.connect(lambda: self.copy_button.setText("Copy report"))
        self.finished.connect(self._reset)

    def set_icon_color(self, color: str) -> None:
        self._icon.setPixmap(glyph("warning-circle", color).pixmap(QSize(22, 22), self.devicePixelRatioF()))

    def add_report(self, report: str) -> None:
        """Append a report; the headline counts them when there is more than one."""
        self.reports.append(report)
        self.details.setPlainText(SEPARATOR.join(self.reports))
        if len(self.reports) > 1:
            self.headline.setText(f"Something went wrong ({len(self.reports)} errors)")

    def report_text(self) -> str:
        return SEPARATOR.join(self.reports)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report_text())
        self.copy_button.setText("Copied")
        self._copied_reset.start(2000)

    def _reset(self) -> None:
        # A dismissed dialog starts empty next time: those reports were seen and are in the log.
        self.reports.clear()
        self.details.clear()
        self.headline.setText("Something went wrong")
