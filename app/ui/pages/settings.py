"""Settings: the real, working preferences — theme, close to tray, log level — the wallet's security
actions, the network in use, where content is kept, update checks, and where files live.

Each change is applied at once and saved through the runtime (which writes the one settings file
atomically); a failed save is said on the page, not swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QVBoxLayout, QWidget

from app.ui.theme import ThemeManager
from app.ui.widgets import Card, Page, action_button, separator, styled_label

if TYPE_CHECKING:
    from app.chain.contracts import Deployment
    from app.paths import AppPaths
    from app.settings import NetworkConfig, Settings
    from app.ui.wallet.controller import WalletController

log = logging.getLogger(__name__)

THEMES = [("Match system", "system"), ("Light", "light"), ("Dark", "dark")]
LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]


def _row(title: str, description: str, control: QWidget) -> tuple[QHBoxLayout, QWidget]:
    """A settings row: the name and a one-line explanation on the left, the control on the right."""
    row = QHBoxLayout()
    row.setSpacing(24)
    text = QVBoxLayout()
    text.setSpacing(2)
    text.addWidget(styled_label(title))
    hint = styled_label(description, "hint", wrap=True)
    text.addWidget(hint)
    row.addLayout(text, 1)
    row.addWidget(control)
    return row, hint


def _card() -> Card:
    """A section's card, as wide as a settings row reads well."""
    card = Card(padding=18, spacing=14)
    card.setMaximumWidth(820)
    return card


def _chain_line(net: NetworkConfig) -> str:
    """The network in use in words: its chain and where it runs."""
    where = "the local devnet, run by Sahara on this computer" if net.rpc_url is None else net.rpc_url
    return f"Chain {net.chain_id}: {where}."


class SettingsPage(Page):
    def __init__(
        self,
        settings: Settings,
        save: Callable[[], None],
        theme: ThemeManager,
        paths: AppPaths,
        *,
        tray_available: bool,
        wallet: WalletController | None = None,
    ) -> None:
        super().__init__("Settings", "Changes apply immediately and are saved on this computer.")
        self._settings = settings
        self._save = save
        self._theme = theme

        general = self._section("General")
        self.theme_combo = QComboBox()
        for label, value in THEMES:
            self.theme_combo.addItem(label, value)
        self.theme_combo.setCurrentIndex([v for _, v in THEMES].index(settings.theme))
        self.theme_combo.currentIndexChanged.connect(self._on_theme)
        row, _ = _row("Theme", "Follow the operating system, or always use light or dark.", self.theme_combo)
        general.body.addLayout(row)
        general.body.addWidget(separator())

        self.tray_check = QCheckBox()
        self.tray_check.setProperty("toggle", True)
        self.tray_check.setAccessibleName("Close to tray")
        self.tray_check.setChecked(settings.close_to_tray)
        self.tray_check.toggled.connect(self._on_close_to_tray)
        tray_text = "Closing the window keeps Sahara running in the system tray; quit from the tray menu."
        if not tray_available:
            tray_text = "This desktop has no system tray, so closing the window always quits Sahara."
            self.tray_check.setEnabled(False)
        row, _ = _row("Close to tray", tray_text, self.tray_check)
        general.body.addLayout(row)

        diagnostics = self._section("Diagnostics")
        self.log_combo = QComboBox()
        self.log_combo.addItems(LOG_LEVELS)
        self.log_combo.setCurrentText(settings.log_level)
        self.log_combo.currentTextChanged.connect(self._on_log_level)
        row, _ = _row("Log level", "The least important messages written to the log file.", self.log_combo)
        diagnostics.body.addLayout(row)
        diagnostics.body.addWidget(separator())
        diagnostics.body.addLayout(self._path_row("Log file", paths.log_file))

        if wallet is not None:
            self._wallet_section(wallet)
        self._network_section(settings)
        self._contracts = self._section("Contracts")
        self._contracts_box: QWidget | None = None
        self.show_deployment(None, "Looking for Sahara's contracts on this network…")

        self._storage_section(settings)
        self._updates_section(settings)
        files = self._section("Files")
        files.body.addLayout(self._path_row("Data folder", paths.data))
        files.body.addWidget(separator())
        files.body.addLayout(self._path_row("Settings file", paths.settings_file))

        self.save_status = styled_label("", "hint", wrap=True)
        self.body.addWidget(self.save_status)

    def add_section(self, title: str, widget: QWidget) -> None:
        """A section another part of the window owns (the Label page's approvals), before the
        save status line."""
        index = self.body.indexOf(self.save_status)
        self.body.insertWidget(index, styled_label(title, "section"))
        card = _card()
        card.body.addWidget(widget)
        self.body.insertWidget(index + 1, card)

    def _section(self, title: str, hint: str = "") -> Card:
        """A titled card at the end of the page, opening with ``hint`` when there is one."""
        self.body.addWidget(styled_label(title, "section"))
        card = _card()
        self.body.addWidget(card)
        self.body.addSpacing(8)
        if hint:
            card.body.addWidget(styled_label(hint, "hint", wrap=True))
        return card

    def _wallet_section(self, wallet: WalletController) -> None:
        card = self._section("Wallet")
        self.reveal_button = action_button("Show phrase…", wallet.open_reveal)
        row, self.reveal_hint = _row(
            "Recovery phrase",
            "See your recovery phrase again, after entering your password.",
            self.reveal_button,
        )
        card.body.addLayout(row)
        card.body.addWidget(separator())
        self.lock_button = action_button("Lock now", wallet.lock)
        row, _ = _row(
            "Auto-lock",
            "The wallet locks itself after 15 minutes without keyboard or mouse input.",
            self.lock_button,
        )
        card.body.addLayout(row)
        card.body.addWidget(separator())
        self.password_button = action_button("Change…", wallet.open_change_password)
        row, _ = _row("Password", "Choose a new password for this wallet.", self.password_button)
        card.body.addLayout(row)
        card.body.addWidget(separator())
        self.remember_check = QCheckBox()
        self.remember_check.setProperty("toggle", True)
        self.remember_check.setAccessibleName("Remember on this computer")
        self.remember_check.toggled.connect(wallet.set_remembered)
        row, self.remember_hint = _row(
            "Remember on this computer",
            "Keep the password in this computer's keychain and unlock the wallet when Sahara starts.",
            self.remember_check,
        )
        card.body.addLayout(row)

        def update() -> None:
            state = wallet.state
            self.reveal_button.setEnabled(state in ("locked", "unlocked"))
            self.lock_button.setEnabled(state == "unlocked")
            self.password_button.setEnabled(state in ("locked", "unlocked"))
            self.remember_check.blockSignals(True)  # showing the state is not a change
            self.remember_check.setChecked(bool(wallet.remembered))
            self.remember_check.blockSignals(False)
            usable = state in ("locked", "unlocked") and wallet.remembered is not None
            self.remember_check.setEnabled(usable and not wallet.remember_unavailable)
            asking = "" if wallet.remembered is not None else "Asking the keychain…"
            self.remember_check.setToolTip(wallet.remember_unavailable or asking)
            if wallet.remember_unavailable:
                self.remember_hint.setText(wallet.remember_unavailable)
            if state == "none":
                self.reveal_hint.setText("No wallet yet: set one up on the Wallet page.")

        wallet.changed.connect(update)
        update()

    def _network_section(self, settings: Settings) -> None:
        card = self._section("Network")
        net = settings.network()
        label = styled_label(net.name)
        label.setProperty("role", "mono")
        row, self.network_hint = _row("Network in use", _chain_line(net), label)
        card.body.addLayout(row)
        card.body.addWidget(separator())
        from app.ui.network_editor import NetworkEditor

        self.network_editor = NetworkEditor(settings, lambda: self._save())

        def follow(_name: str) -> None:
            now = settings.network()
            label.setText(now.name)
            self.network_hint.setText(_chain_line(now))

        self.network_editor.active_changed.connect(follow)
        card.body.addWidget(self.network_editor)

    def _storage_section(self, settings: Settings) -> None:
        from app.ui.storage_editor import StorageEditor

        card = self._section(
            "Storage",
            "Datasets, campaign items, results and license keys are kept by their content hash. Your "
            "own IPFS node shares them with other machines; what is already kept here stays here.",
        )
        self.storage_editor = StorageEditor(settings, lambda: self._save())
        card.body.addWidget(self.storage_editor)

    def _updates_section(self, settings: Settings) -> None:
        from app.ui.update_panel import UpdatePanel

        card = self._section(
            "Updates",
            "Sahara checks a release manifest signed with the key it ships, and only tells you; "
            "you choose when to download and install.",
        )
        self.update_panel = UpdatePanel(settings, lambda: self._save())
        card.body.addWidget(self.update_panel)

    def show_deployment(self, deployment: Deployment | None, problem: str = "") -> None:
        """List where the network's contracts live (or why they are not there)."""
        if self._contracts_box is not None:
            self._contracts_box.deleteLater()
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        if deployment is None:
            self.contracts_note = styled_label(problem, "hint", wrap=True)
            column.addWidget(self.contracts_note)
        else:
            intro = f"Deployed on chain {deployment.chain_id} at block {deployment.block}."
            self.contracts_note = styled_label(intro, "hint", wrap=True)
            column.addWidget(self.contracts_note)
            for name, address in deployment.addresses.items():
                value = styled_label(address)
                value.setProperty("role", "mono")
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setAccessibleName(f"{name} address")
                row = QHBoxLayout()
                row.addWidget(styled_label(name))
                row.addStretch(1)
                row.addWidget(value)
                column.addLayout(row)
        self._contracts.body.addWidget(box)
        self._contracts_box = box

    def _path_row(self, title: str, path: Path) -> QHBoxLayout:
        folder = path if path.suffix == "" else path.parent
        url = QUrl.fromLocalFile(str(folder))
        button = action_button("Open folder", lambda: QDesktopServices.openUrl(url))
        row, hint = _row(title, str(path), button)
        hint.setProperty("role", "mono")
        return row

    # -- changes ---------------------------------------------------------------------------------

    def _persist(self, what: str) -> None:
        try:
            self._save()
        except OSError as exc:
            log.error("could not save settings: %s", exc)
            self.save_status.setText(f"Could not save the {what} setting: {exc}")
        else:
            self.save_status.setText("")

    def _on_theme(self, index: int) -> None:
        mode = self.theme_combo.itemData(index)
        self._settings.theme = mode
        self._theme.set_mode(mode)
        self._persist("theme")

    def _on_close_to_tray(self, checked: bool) -> None:
        self._settings.close_to_tray = checked
        self._persist("close to tray")

    def _on_log_level(self, level: str) -> None:
        self._settings.log_level = level  # type: ignore[assignment]  # the combo holds only valid levels
        logging.getLogger().setLevel(level)
        self._persist("log level")
