"""Home: where to start (label for pay, build an agent, sell, rent a GPU, the wallet: get_started.py),
then the network and its live block. A newcomer's first screen carries no developer details: the
chain id, the RPC endpoint, the data folder, the log file and the version sit under a collapsed
"Details". If the network could not start, the reason and a Retry button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from app.ui.network_monitor import NetState, NetworkMonitor
from app.ui.pages.get_started import GetStarted
from app.ui.widgets import Card, FactTile, Page, action_button, styled_label
from app.version import __version__

if TYPE_CHECKING:
    from app.paths import AppPaths
    from app.runtime import NetworkStatus

_STATE_WORDS: dict[str, str] = {"starting": "starting…", "online": "online", "offline": "offline"}


class HomePage(Page):
    def __init__(self, monitor: NetworkMonitor, paths: AppPaths) -> None:
        super().__init__(
            "Home", "Label for pay, build agents, sell them, rent your GPU, and the network it all runs on."
        )
        self._monitor = monitor
        self._paths = paths

        self.problem = Card(padding=16, spacing=8)
        self.problem.setObjectName("Banner")
        self.problem.setProperty("level", "error")
        self.problem_text = styled_label("", wrap=True)
        row = QHBoxLayout()
        row.addWidget(self.problem_text, 1)
        self.retry_button = action_button("Retry", monitor.restart)
        row.addWidget(self.retry_button)
        self.problem.body.addLayout(row)
        self.problem.hide()
        self.body.addWidget(self.problem)

        self.network_tile = FactTile("Network")
        self.chain_tile = FactTile("Chain ID")
        self.block_tile = FactTile("Latest block")
        self.rpc_tile = FactTile("RPC endpoint", mono=True)
        self.data_tile = FactTile("Data folder", str(paths.data), mono=True)
        self.log_tile = FactTile("Log file", str(paths.log_file), mono=True)
        self.version_tile = FactTile("App version", __version__)
        open_data = action_button("Open data folder", self._open_data_folder)
        open_data.setProperty("role", "link")
        open_data.setToolTip(str(paths.data))
        self.data_tile.body.insertWidget(2, open_data, 0, Qt.AlignmentFlag.AlignLeft)

        self.start = GetStarted()
        self.body.addWidget(styled_label("Get started", "section"))
        self.body.addWidget(self.start)
        self.body.addSpacing(10)
        self.body.addWidget(styled_label("Network", "section"))
        self.body.addLayout(self._grid([self.network_tile, self.block_tile]))
        self.details_button = action_button("Show details", self._toggle_details)
        self.details_button.setProperty("role", "link")
        self.details_button.setToolTip("Chain ID, RPC endpoint, data folder, log file and version")
        self.body.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.details = QWidget()
        column = QVBoxLayout(self.details)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        column.addLayout(self._grid([self.chain_tile, self.rpc_tile]))
        column.addWidget(styled_label("This computer", "section"))
        column.addLayout(self._grid([self.data_tile, self.log_tile, self.version_tile]))
        self.details.hide()
        self.body.addWidget(self.details)

        monitor.state_changed.connect(self._on_state)
        monitor.network_ready.connect(self._on_ready)
        monitor.block_changed.connect(self._on_block)
        self._on_state(monitor.name, monitor.state, monitor.detail)
        if monitor.status is not None:
            self._on_ready(monitor.status)
        if monitor.block is not None:
            self._on_block(monitor.block)

    def _toggle_details(self) -> None:
        shown = not self.details.isVisibleTo(self)
        self.details.setVisible(shown)
        self.details_button.setText("Hide details" if shown else "Show details")

    @staticmethod
    def _grid(tiles: list[FactTile]) -> QGridLayout:
        columns = len(tiles)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(14)
        for index, tile in enumerate(tiles):
            grid.addWidget(tile, index // columns, index % columns)
        for column in range(columns):
            grid.setColumnStretch(column, 1)
        return grid

    def _on_state(self, name: str, state: NetState, detail: str) -> None:
        self.network_tile.set_value(f"{name} · {_STATE_WORDS[state]}", detail)
        if state == "starting" and self._monitor.status is None:
            self.rpc_tile.set_value("Starting the local devnet…" if name == "devnet" else "Connecting…")
        error = self._monitor.start_error
        self.problem.setVisible(bool(error) and state == "offline")
        if error:
            self.problem_text.setText(error)
        if state == "offline" and self._monitor.block is not None:
            self.block_tile.set_value(f"{self._monitor.block:,} (offline)", detail)

    def _on_ready(self, status: NetworkStatus) -> None:
        self.chain_tile.set_value(str(status.chain_id))
        self.rpc_tile.set_value(status.rpc_url)

    def _on_block(self, number: int) -> None:
        self.block_tile.set_value(f"{number:,}")

    def _open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._paths.data)))
