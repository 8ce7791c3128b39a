"""Settings → Updates: where the signed release manifest lives, a Check now button, and the verdict.

Checking is off until the user enters a manifest URL (the devnet has no release server). Once set,
the app checks once per start (``check_at_start``, called by the shell). The panel only tells: a
newer release is announced here and through ``notice`` (the shell shows it in the status bar) with
its download link; the user decides whether and when to install. A refused manifest (unsigned,
tampered, a foreign key) is said in words and offers nothing. The rule lives in ``app.updates``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from app.ui.operations import Op, Operations
from app.ui.setting_change import change_setting
from app.ui.widgets import action_button, styled_label
from app.updates import CheckResult, check_url

if TYPE_CHECKING:
    from app.settings import Settings


EXAMPLE = "https://example.org/sahara/manifest.json"


class UpdatePanel(QWidget):
    """Manifest URL, Check now, and what the last check found."""

    notice = Signal(str)  # "Sahara X is available …", only for a verified, newer release

    def __init__(self, settings: Settings, save: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings, self._save = settings, save
        self.ops = Operations(name="update", describe=lambda exc: f"Not updated: {exc}.", parent=self)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        row = QHBoxLayout()
        self.url = QLineEdit(settings.update_manifest_url or "")
        self.url.setPlaceholderText(EXAMPLE)
        self.url.setAccessibleName("Release manifest URL")
        self.url.returnPressed.connect(self.check_now)
        self.check_button = action_button("Check now", self.check_now)
        row.addWidget(self.url, 1)
        row.addWidget(self.check_button)
        column.addLayout(row)
        self.status = styled_label("", "hint", wrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.status)
        self.status.setText(
            "Updates are checked at start against this signed manifest."
            if settings.update_manifest_url
            else "Update checks are off. Enter your release manifest's URL to turn them on."
        )

    def check_at_start(self) -> None:
        """Check once now if a URL is set (the app starting)."""
        if self._settings.update_manifest_url:
            self._check(self._settings.update_manifest_url)

    @property
    def checking(self) -> bool:
        return self.ops.busy("check")

    def check_now(self) -> None:
        """Save the URL (empty: checks off) and check it."""
        if self.checking:
            return
        url = self.url.text().strip() or None
        if url != self._settings.update_manifest_url and not change_setting(
            self._settings, "update_manifest_url", url, self._save, self.status.setText, "the manifest URL"
        ):
            return
        if url is None:
            self.status.setText("Update checks are off.")
            return
        self._check(url)

    def _check(self, url: str) -> None:
        self.ops.run(
            Op("check", lambda _say: asyncio.to_thread(check_url, url), busy="Checking for updates…",
               progress=self._progress, success=self._found, failure=self.status.setText)
        )  # fmt: skip

    def _progress(self, line: str | None) -> None:
        self.check_button.setEnabled(line is None)
        if line is not None:
            self.status.setText(line)

    def _found(self, result: CheckResult) -> None:
        text = result.describe()
        if result.newer and result.release.notes:
            text += f"\n{result.release.notes}"
        self.status.setText(text)
        if result.newer:
            self.notice.emit(f"Sahara {result.release.version} is available: see Settings > Updates")
