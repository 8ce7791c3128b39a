"""Settings → Network: the list of networks, adding a custom EVM RPC (checked before it is saved),
switching the active network and removing custom ones.

The local devnet is always first and cannot be removed. A new network is saved only after its RPC
answered ``eth_chainId`` with the chain id the user typed (``app.network_config``); the probe runs in
a worker thread as an operation (``app.ui.operations``), so the window never freezes on a slow URL, and a
refusal keeps everything typed in the dialog. Switching saves the settings first, then emits
``active_changed`` so the shell can restart the network monitor (status bar and Home follow).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.network_config import ChainMismatch, NetworkCheckError, check, validate
from app.settings import DEVNET
from app.ui.catalogue_source_editor import CatalogueSourceEditor
from app.ui.operations import Op, Operations
from app.ui.setting_change import change_setting
from app.ui.widgets import action_button, styled_label

if TYPE_CHECKING:
    from app.settings import NetworkConfig, Settings


SaveNetwork = Callable[["NetworkConfig"], "str | None"]  # returns the error to show, or None when saved


class AddNetworkDialog(QDialog):
    """Name, RPC URL and chain id; Save checks the RPC first and only then hands the network on."""

    def __init__(self, existing: list[str], on_save: SaveNetwork, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add network")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(460)
        self._existing, self._on_save = existing, on_save
        self.ops = Operations(name="network", describe=lambda exc: f"{exc} Nothing was saved.", parent=self)
        self.suggested_chain: int | None = None

        column = QVBoxLayout(self)
        column.setSpacing(12)
        column.addWidget(
            styled_label(
                "Any EVM JSON-RPC endpoint. Sahara asks it for its chain id before saving, so a typo "
                "never points the app at the wrong chain.",
                "hint",
                wrap=True,
            )
        )
        form = QFormLayout()
        self.name_field = QLineEdit()
        self.name_field.setPlaceholderText("e.g. sepolia")
        self.url_field = QLineEdit()
        self.url_field.setPlaceholderText("http://127.0.0.1:8545")
        self.chain_field = QLineEdit()
        self.chain_field.setPlaceholderText("e.g. 11155111")
        for label, field in (
            ("Name", self.name_field),
            ("RPC URL", self.url_field),
            ("Chain id", self.chain_field),
        ):
            field.setAccessibleName(label)
            field.textEdited.connect(self._clear_error)
            form.addRow(label, field)
        column.addLayout(form)

        self.error_label = styled_label("", "error", wrap=True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        column.addWidget(self.error_label)
        self.fix_button = action_button("Use chain", self._use_suggested)
        self.fix_button.hide()
        column.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignLeft)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = action_button("Cancel", self.reject)
        self.save_button = action_button("Check and save", self._submit, primary=True)
        self.save_button.setDefault(True)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        column.addLayout(buttons)

    @property
    def checking(self) -> bool:
        return self.ops.busy("check")

    def _clear_error(self) -> None:
        self.error_label.hide()
        self.fix_button.hide()
        self.suggested_chain = None

    def _show_error(self, text: str, suggest: int | None = None) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.suggested_chain = suggest
        self.fix_button.setVisible(suggest is not None)
        if suggest is not None:
            self.fix_button.setText(f"Use chain {suggest}")

    def _use_suggested(self) -> None:
        """One-click fix for a mismatch: take the chain id the RPC reported, then check again."""
        if self.suggested_chain is not None:
            self.chain_field.setText(str(self.suggested_chain))
            self._submit()

    def _set_busy(self, line: str | None) -> None:
        busy = line is not None
        for widget in (self.name_field, self.url_field, self.chain_field, self.save_button, self.fix_button):
            widget.setEnabled(not busy)
        self.save_button.setText(line or "Check and save")

    def _submit(self) -> None:
        if self.checking:
            return
        try:
            config = validate(
                self.name_field.text(), self.url_field.text(), self.chain_field.text(), self._existing
            )
        except NetworkCheckError as exc:
            self._show_error(str(exc))
            return
        self._clear_error()

        async def probe(_say: object) -> ChainMismatch | None:
            try:
                await check(config)
            except ChainMismatch as exc:  # not a failure: the fix is one click away
                return exc
            return None

        self.ops.run(
            Op("check", probe, busy="Checking…", progress=self._set_busy, failure=self._show_error,
               success=lambda mismatch: self._checked(config, mismatch))
        )  # fmt: skip

    def _checked(self, config: NetworkConfig, mismatch: ChainMismatch | None) -> None:
        if mismatch is not None:
            self._show_error(
                f"{mismatch} The chain id you typed does not match what this RPC reports; nothing was saved.",
                mismatch.actual,
            )
            return
        problem = self._on_save(config)
        if problem is not None:
            self._show_error(problem)
            return
        self.accept()

    def done(self, result: int) -> None:
        self.ops.cancel("check")  # closing the dialog abandons the check; nothing is saved
        super().done(result)


class NetworkEditor(QWidget):
    """The networks, the active one marked, with Add / Use / Remove."""

    active_changed = Signal(str)  # the new active network's name, after it was saved

    def __init__(self, settings: Settings, save: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings, self._save = settings, save
        self.dialog: AddNetworkDialog | None = None

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        self.list = QListWidget()
        self.list.setAccessibleName("Networks")
        self.list.setMaximumHeight(160)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.list.itemDoubleClicked.connect(lambda _item: self.use_selected())
        column.addWidget(self.list)

        buttons = QHBoxLayout()
        self.add_button = action_button("Add network…", self.open_add_dialog)
        self.use_button = action_button("Use this network", self.use_selected, primary=True)
        self.remove_button = action_button("Remove", self.remove_selected)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.use_button)
        column.addLayout(buttons)

        self.status = styled_label("", "hint", wrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.status)
        self.catalogue = CatalogueSourceEditor(settings, save)  # of the selected network
        column.addWidget(self.catalogue)
        self.refresh()

    # -- view ------------------------------------------------------------------------------------

    def _networks(self) -> list[NetworkConfig]:
        """The settings' networks with the devnet always first (and present)."""
        nets = list(self._settings.networks)
        devnet = next((n for n in nets if n.rpc_url is None), DEVNET)
        return [devnet, *[n for n in nets if n is not devnet]]

    def refresh(self) -> None:
        selected = self.selected_name()
        active = self._settings.network().name
        self.list.clear()
        for net in self._networks():
            where = "local devnet, run by Sahara" if net.rpc_url is None else net.rpc_url
            mark = "●  " if net.name == active else "    "
            suffix = "  (in use)" if net.name == active else ""
            item = QListWidgetItem(f"{mark}{net.name} — chain {net.chain_id}, {where}{suffix}")
            item.setData(Qt.ItemDataRole.UserRole, net.name)
            if net.name == active:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.list.addItem(item)
            if net.name == (selected or active):
                self.list.setCurrentItem(item)
        self._update_buttons()

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _selected(self) -> NetworkConfig | None:
        name = self.selected_name()
        return next((n for n in self._networks() if n.name == name), None)

    def _update_buttons(self) -> None:
        net = self._selected()
        if net is None or net.name != self.catalogue.network_name:
            self.catalogue.show_network(net)
        active = self._settings.network().name
        self.use_button.setEnabled(net is not None and net.name != active)
        self.remove_button.setEnabled(net is not None and net.rpc_url is not None and net.name != active)

    def select(self, name: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(row)

    # -- changes ---------------------------------------------------------------------------------

    def _try_save(self, name: str, value: object, what: str) -> bool:
        """Change and save one setting; a failed save is undone, said, and the list redrawn."""
        if not change_setting(self._settings, name, value, self._save, self.status.setText, what):
            self.refresh()
            return False
        self.status.setText("")
        return True

    def open_add_dialog(self) -> AddNetworkDialog:
        existing = [n.name for n in self._networks()]
        self.dialog = AddNetworkDialog(existing, self._add, self.window())
        self.dialog.open()  # not exec(): a nested loop would stall the asyncio loop
        return self.dialog

    def _add(self, config: NetworkConfig) -> str | None:
        """Save a checked network; the error text (settings left as they were) or None."""
        networks = [*self._settings.networks, config]
        if not self._try_save("networks", networks, f"the network '{config.name}'"):
            return self.status.text()
        self.refresh()
        self.select(config.name)
        self.status.setText(
            f"Added '{config.name}' (chain {config.chain_id}). Choose “Use this network” to switch."
        )
        return None

    def use_selected(self) -> None:
        net = self._selected()
        if net is None or net.name == self._settings.network().name:
            return
        if not self._try_save("active_network", net.name, "the network choice"):
            return
        self.refresh()
        self.status.setText(f"Switched to '{net.name}'. Connecting…")
        self.active_changed.emit(net.name)

    def remove_selected(self) -> None:
        net = self._selected()
        if net is None or net.rpc_url is None or net.name == self._settings.network().name:
            return
        networks = [n for n in self._settings.networks if n.name != net.name]
        if self._try_save("networks", networks, f"the removal of '{net.name}'"):
            self.refresh()
            self.status.setText(f"Removed '{net.name}'.")
