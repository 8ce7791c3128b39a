"""The Wallet page: set up a wallet, or see the active account, its balance, every account, the
transaction history and the security actions. Everything shown comes from the wallet service, the
chain or the outbox; nothing is a placeholder value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.ui.icons import glyph
from app.ui.pages.empty_state import EmptyStateCard
from app.ui.wallet.accounts_view import AccountsView, balance_text
from app.ui.wallet.history_view import HistoryView
from app.ui.widgets import Card, Page, action_button, separator, styled_label
from app.ui.widgets.fields import copy_button

if TYPE_CHECKING:
    from app.ui.theme import Colors
    from app.ui.wallet.controller import WalletController

SAHARA_LATER = "SAHARA balance appears once the contracts are deployed."
FAUCET_ONLY_DEVNET = "The faucet exists only on the local devnet."


def _under_caption(caption: str, *widgets: QWidget, spacing: int = 2) -> QVBoxLayout:
    column = QVBoxLayout()
    column.setSpacing(spacing)
    column.addWidget(styled_label(caption, "caption"))
    for widget in widgets:
        column.addWidget(widget)
    return column


class WalletPage(Page):
    def __init__(self, controller: WalletController, colors: Colors) -> None:
        super().__init__("Wallet", "Your accounts, balances and transactions.")
        self.controller = controller
        self._colors = colors

        self.loading = styled_label("Opening your wallet…", "muted")
        self.body.addWidget(self.loading)
        self.setup_card = self._build_setup()
        self.body.addWidget(self.setup_card)
        self.content = QWidget()
        content = QVBoxLayout(self.content)
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(16)
        content.addWidget(self._build_overview())
        content.addLayout(self._section_header("Accounts", self._add_account_button()))
        accounts_card = Card(padding=16, spacing=0)
        self.accounts = AccountsView(controller)
        accounts_card.body.addWidget(self.accounts)
        content.addWidget(accounts_card)
        self.outbox_status = styled_label("", "hint")
        content.addLayout(self._section_header("Activity", self.outbox_status))
        history_card = Card(padding=16, spacing=0)
        self.history = HistoryView(controller)
        history_card.body.addWidget(self.history)
        content.addWidget(history_card)
        content.addLayout(self._section_header("Security"))
        content.addWidget(self._build_security())
        self.body.addWidget(self.content)

        self._history_timer = QTimer(self)  # coalesce bursts of outbox events into one redraw
        self._history_timer.setSingleShot(True)
        self._history_timer.setInterval(50)
        self._history_timer.timeout.connect(self.refresh_history)

        controller.changed.connect(self.refresh)
        controller.balances_changed.connect(self._refresh_balances)
        controller.tx_changed.connect(lambda _row: self._history_timer.start())  # redraws the status too
        controller.outbox_changed.connect(self._refresh_outbox_status)
        controller.network_changed.connect(self._refresh_network)
        self.apply_colors(colors)
        self.refresh()

    # -- building --------------------------------------------------------------------------------

    def _section_header(self, title: str, right: QWidget | None = None) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(0, 6, 0, 0)
        row.addWidget(styled_label(title, "section"))
        row.addStretch(1)
        if right is not None:
            row.addWidget(right)
        return row

    def _add_account_button(self) -> QPushButton:
        self.add_button = action_button("Add account", self.controller.add_account)
        self.add_button.setToolTip(
            "Derive the next account from your recovery phrase (asks for the password)"
        )
        return self.add_button

    def _build_setup(self) -> EmptyStateCard:
        card = EmptyStateCard(
            "wallet",
            "No wallet yet",
            "Create a wallet to be paid for labeling, buy licenses and rent out your GPU. Its keys stay on "
            "this computer, encrypted with your password; you get a recovery phrase to write down. Already "
            "have one (MetaMask included)? Import it.",
            self._colors,
        )
        self.setup_title = card.headline
        card.text.addSpacing(10)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.create_button = action_button(
            "Create a wallet", lambda: self.controller.open_onboarding("create"), primary=True
        )
        self.import_button = action_button(
            "Import a wallet", lambda: self.controller.open_onboarding("import")
        )
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        card.text.addLayout(buttons)
        return card

    def _build_overview(self) -> Card:
        card = Card(padding=20, spacing=12)
        top = QHBoxLayout()
        top.setSpacing(10)
        self.account_name = styled_label("", "section")
        who = _under_caption("ACTIVE ACCOUNT", self.account_name, spacing=3)
        address_row = QHBoxLayout()
        address_row.setSpacing(2)
        self.account_address = styled_label("", "mono")
        self.account_address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        address_row.addWidget(self.account_address)
        self.copy_address = copy_button(
            lambda: self.account_address.text(), self._colors.muted, tooltip="Copy the address"
        )
        address_row.addWidget(self.copy_address)
        address_row.addStretch(1)
        who.addLayout(address_row)
        top.addLayout(who, 1)
        self.lock_state = styled_label("", "chip-broadcast")
        top.addWidget(self.lock_state, 0, Qt.AlignmentFlag.AlignTop)
        self.lock_button = action_button("Lock", self._toggle_lock)
        top.addWidget(self.lock_button, 0, Qt.AlignmentFlag.AlignTop)
        card.body.addLayout(top)
        card.body.addWidget(separator())

        balance = QHBoxLayout()
        balance.setSpacing(28)
        self.balance = styled_label("—", "balance")
        balance.addLayout(_under_caption("ETH BALANCE", self.balance))
        self.sahara_balance = styled_label("", "balance")
        self.sahara_balance.hide()
        self.sahara_note = styled_label(SAHARA_LATER, "muted", wrap=True)
        sahara = _under_caption("SAHARA BALANCE", self.sahara_balance, self.sahara_note)
        sahara.addStretch(1)
        balance.addLayout(sahara, 1)
        card.body.addLayout(balance)
        card.body.addSpacing(4)

        actions = QHBoxLayout()
        actions.setSpacing(8)
        self.send_button = action_button("Send", self.controller.open_send, primary=True)
        self.receive_button = action_button("Receive", self.controller.open_receive)
        self.faucet_button = action_button("Faucet: 10 test ETH", self.controller.faucet)
        for button in (self.send_button, self.receive_button, self.faucet_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.network_label = styled_label("", "hint")
        actions.addWidget(self.network_label)
        card.body.addLayout(actions)
        self.locked_note = styled_label(
            "Locked. Balances and history are visible; sending and adding accounts ask for your password.",
            "hint",
            wrap=True,
        )
        card.body.addWidget(self.locked_note)
        return card

    def _build_security(self) -> Card:
        card = Card(padding=18, spacing=12)
        for title, hint, button in [
            (
                "Recovery phrase",
                "See your recovery phrase again, after entering your password.",
                self._make_reveal_button(),
            ),
            (
                "Auto-lock",
                "The wallet locks itself after 15 minutes without keyboard or mouse input.",
                action_button("Lock now", self.controller.lock),
            ),
        ]:
            if card.body.count():
                card.body.addWidget(separator())
            row = QHBoxLayout()
            text = QVBoxLayout()
            text.setSpacing(2)
            text.addWidget(styled_label(title))
            text.addWidget(styled_label(hint, "hint", wrap=True))
            row.addLayout(text, 1)
            row.addWidget(button)
            card.body.addLayout(row)
        return card

    def _make_reveal_button(self) -> QPushButton:
        self.reveal_button = action_button("Show phrase…", self.controller.open_reveal)
        return self.reveal_button

    # -- refreshing ------------------------------------------------------------------------------

    def refresh(self) -> None:
        state = self.controller.state
        self.loading.setVisible(state == "loading")
        self.setup_card.setVisible(state == "none")
        self.content.setVisible(state in ("locked", "unlocked"))
        if state not in ("locked", "unlocked"):
            return
        account = self.controller.active()
        self.account_name.setText(account.name if account else "")
        self.account_address.setText(account.address if account else "")
        locked = state == "locked"
        self.lock_state.setText("Locked" if locked else "Unlocked")
        self.lock_state.setProperty("role", "chip-broadcast" if locked else "chip-mined")
        self.lock_state.style().polish(self.lock_state)
        self.lock_button.setText("Unlock" if locked else "Lock")
        self.locked_note.setVisible(locked)
        self.accounts.refresh()
        self._refresh_balances()
        self._refresh_network()

    def _refresh_balances(self) -> None:
        account = self.controller.active()
        wei = self.controller.balances.get(account.address) if account else None
        self.balance.setText(balance_text(wei))
        self.balance.setToolTip(self.controller.balance_error)
        sahara = self.controller.sahara.get(account.address) if account else None
        if sahara is not None:
            from app.wallet.tx_summary import format_units

            self.sahara_balance.setText(f"{format_units(sahara, 18, max_decimals=4)} SAHARA")
        self.sahara_balance.setVisible(sahara is not None)
        self.sahara_note.setVisible(sahara is None)
        self.accounts.update_balances()

    def _refresh_network(self) -> None:
        from app.wallet.tx_summary import network_label

        network = self.controller.network
        if network is None:
            self.network_label.setText("Network starting…")
        else:
            state = "online" if self.controller.online else "offline"
            self.network_label.setText(f"{network_label(network.chain_id, network.name)} · {state}")
        self._refresh_outbox_status()  # the outbox is there once the network is
        devnet = self.controller.is_devnet
        self.faucet_button.setEnabled(devnet)
        self.faucet_button.setToolTip(
            "Send 10 test ETH to the active account" if devnet else
            FAUCET_ONLY_DEVNET if network is not None else "Waiting for the network to start."
        )  # fmt: skip
        self.refresh_history()

    def refresh_history(self) -> None:
        if self.controller.state in ("locked", "unlocked"):
            self.history.refresh()
        self._refresh_outbox_status()

    def _refresh_outbox_status(self) -> None:
        outbox = getattr(self.controller.runtime, "outbox", None)
        self.outbox_status.setText(outbox.status_line() if outbox is not None else "")

    def _toggle_lock(self) -> None:
        if self.controller.state == "locked":
            self.controller.request_unlock()
        else:
            self.controller.lock()

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.controller.apply_colors(colors)
        self.setup_card.apply_colors(colors)
        self.send_button.setIcon(glyph("paper-plane-tilt", colors.accent_text))
        self.receive_button.setIcon(glyph("qr-code", colors.text))
        self.faucet_button.setIcon(glyph("drop", colors.text, disabled=colors.faint))
        self.copy_address.setIcon(glyph("copy", colors.muted))
        if self.controller.state in ("locked", "unlocked"):
            self.accounts.refresh()
            self.history.refresh()
