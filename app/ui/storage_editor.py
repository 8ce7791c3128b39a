"""Where the app keeps content (datasets, campaign items, results, wrapped keys): the data folder,
or the user's own IPFS node, which is how content reaches other machines.

An IPFS URL is only saved after the node answered like an IPFS RPC API, so a typo or a stopped
node never leaves the app storing into nowhere; a refused URL stays in the field to be fixed.
Content already kept in the data folder stays there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from app.network_config import NetworkCheckError, validate_url
from app.ui.operations import Op, Operations
from app.ui.setting_change import change_setting
from app.ui.widgets import action_button, styled_label

if TYPE_CHECKING:
    from app.settings import Settings


LOCAL, IPFS = 0, 1
EXAMPLE = "http://127.0.0.1:5001"


class StorageEditor(QWidget):
    """Data folder or IPFS node; the node's URL is checked before it is used."""

    changed = Signal(object)  # the IPFS API URL now in use, or None for the data folder

    def __init__(self, settings: Settings, save: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings, self._save = settings, save
        self.ops = Operations(
            name="storage", describe=lambda exc: f"Not used: {exc}. Nothing was changed.", parent=self
        )

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        self.where = QComboBox()
        self.where.setAccessibleName("Keep content")
        self.where.addItems(["On this computer (data folder)", "On my IPFS node"])
        column.addWidget(self.where)

        self.node_row = QWidget()
        row = QHBoxLayout(self.node_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.url = QLineEdit(settings.ipfs_api or "")
        self.url.setPlaceholderText(EXAMPLE)
        self.url.setAccessibleName("IPFS RPC API URL")
        self.url.returnPressed.connect(self.submit)
        self.use_button = action_button("Check and use", self.submit, primary=True)
        row.addWidget(self.url, 1)
        row.addWidget(self.use_button)
        column.addWidget(self.node_row)

        self.status = styled_label("", "hint", wrap=True)
        column.addWidget(self.status)

        self.where.setCurrentIndex(IPFS if settings.ipfs_api else LOCAL)
        self.where.currentIndexChanged.connect(self._on_where)
        self._show_current()

    @property
    def checking(self) -> bool:
        return self.ops.busy("check")

    def _show_current(self) -> None:
        url = self._settings.ipfs_api
        self.node_row.setVisible(self.where.currentIndex() == IPFS)
        if url:
            self.status.setText(f"Content is kept on the IPFS node at {url}.")
        elif self.where.currentIndex() == IPFS:
            self.status.setText(f"Enter your node's RPC API URL (usually {EXAMPLE}) and press Check and use.")
        else:
            self.status.setText("Content is kept in Sahara's data folder on this computer.")

    def _on_where(self, index: int) -> None:
        if index == LOCAL and self._settings.ipfs_api is not None and not self._use(None):
            return
        self._show_current()
        if index == IPFS:
            self.url.setFocus()

    def submit(self) -> None:
        if self.checking:
            return
        try:
            url = validate_url(self.url.text(), "IPFS RPC API URL", EXAMPLE)
        except NetworkCheckError as exc:
            self.status.setText(str(exc))
            self.url.setFocus()
            return
        self.ops.run(
            Op("check", lambda _say: self._check(url), busy=f"Asking {url}…", progress=self._progress,
               success=lambda _none: self._checked(url), failure=self.status.setText)
        )  # fmt: skip

    @staticmethod
    async def _check(url: str) -> None:
        from app.storage.ipfs_rpc import IpfsRpcStore

        await asyncio.to_thread(IpfsRpcStore(url).check)

    def _checked(self, url: str) -> None:
        if self._use(url):
            self._show_current()

    def _progress(self, line: str | None) -> None:
        self.use_button.setEnabled(line is None)
        if line is not None:
            self.status.setText(line)

    def _use(self, url: str | None) -> bool:
        before = self._settings.ipfs_api
        if not change_setting(
            self._settings, "ipfs_api", url, self._save, self.status.setText, "the storage choice"
        ):
            self.where.blockSignals(True)  # showing what is still in use is not a change
            self.where.setCurrentIndex(IPFS if before else LOCAL)
            self.where.blockSignals(False)
            return False
        self.changed.emit(url)
        return True
