"""Home's "Get started": what a person opens Sahara for — label for pay, build an agent, sell on the
marketplace, rent their GPU — and the wallet that gets paid, each with where it stands now and one
button to go there.

The facts come from the pages that own them (the Label page's summary of open work, the GPU worker's
state and today's earnings, the wallet controller's state and balance), so Home never asks the chain
itself and never disagrees with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from app.ui.frame import page_index
from app.ui.widgets import Card, action_button, styled_label

if TYPE_CHECKING:
    from app.ui.compute.link import WorkerLink
    from app.ui.pages.label import LabelPage
    from app.ui.wallet.controller import WalletController

LABEL_PAGE, STUDIO_PAGE = page_index("Label"), page_index("Studio")
MARKET_PAGE, COMPUTE_PAGE = page_index("Marketplace"), page_index("Compute")
COLUMNS = 3


class StartCard(Card):
    """A title, what it is for, a live status line and one button."""

    def __init__(self, title: str, purpose: str, button: QPushButton) -> None:
        super().__init__(padding=18, spacing=8)
        self.body.addWidget(styled_label(title, "section"))
        self.body.addWidget(styled_label(purpose, "hint", wrap=True))
        self.status = styled_label("", wrap=True)
        self.body.addWidget(self.status)
        self.body.addStretch(1)
        self.button = button
        self.body.addWidget(button)


class GetStarted(QWidget):
    """The five cards, three to a row. A page to show is asked for with ``page_requested``, which the
    shell connects to the window, so Home holds no reference back to the shell."""

    page_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._wallet: WalletController | None = None
        self._worker: WorkerLink | None = None
        self.label_card = StartCard(
            "Label data for pay",
            "Pick a campaign, answer with the keyboard, get paid in SAHARA for every accepted item.",
            action_button("Start labeling", lambda: self.page_requested.emit(LABEL_PAGE), primary=True),
        )
        self.studio_card = StartCard(
            "Build an AI agent",
            "Drag nodes onto a canvas, wire them, and try the agent in the playground.",
            action_button("Open the studio", lambda: self.page_requested.emit(STUDIO_PAGE)),
        )
        self.studio_card.status.setText("Start from a blank canvas, or Open… a .sahara-agent file.")
        self.wallet_card = StartCard(
            "Your wallet",
            "Where your earnings arrive and what pays for licenses; its keys never leave this computer.",
            action_button("Open the wallet", self._open_wallet),
        )
        self.market_card = StartCard(
            "Sell what you make",
            "License datasets, models and agents; every sale pays everyone upstream, labelers included.",
            action_button("Open the marketplace", lambda: self.page_requested.emit(MARKET_PAGE)),
        )
        self.market_card.status.setText("Browse the catalogue, or publish a finished campaign's dataset.")
        self.compute_card = StartCard(
            "Rent your GPU",
            "The worker runs network jobs while you are away, sandboxed, and is paid per verified job.",
            action_button("Open Compute", lambda: self.page_requested.emit(COMPUTE_PAGE)),
        )
        self.compute_card.status.setText("The worker is off.")
        self.label_card.status.setText("Campaigns show once the network and its contracts are ready.")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(14)
        cards = (self.label_card, self.studio_card, self.market_card, self.compute_card, self.wallet_card)
        for index, card in enumerate(cards):
            grid.addWidget(card, index // COLUMNS, index % COLUMNS)
        for column in range(COLUMNS):
            grid.setColumnStretch(column, 1)

    def follow_labeling(self, page: LabelPage) -> None:
        page.summary_changed.connect(self.label_card.status.setText)
        if page.summary:
            self.label_card.status.setText(page.summary)

    def follow_worker(self, link: WorkerLink) -> None:
        """The compute card says what the worker does now and, while it runs, today's earnings."""
        self._worker = link
        link.state_changed.connect(self._update_worker)
        link.today_changed.connect(self._update_worker)
        self._update_worker()

    def _update_worker(self, *_args: object) -> None:
        if self._worker is None:
            return
        from app.words import sahara

        today = self._worker.today_wei
        earned = f" Earned today: {sahara(today)}." if today is not None else ""
        self.compute_card.status.setText(f"{self._worker.state.text}{earned}")

    def follow_wallet(self, wallet: WalletController) -> None:
        # Bound methods, not closures: Qt drops these connections when this widget goes.
        self._wallet = wallet
        wallet.changed.connect(self._update_wallet)
        wallet.balances_changed.connect(self._update_wallet)
        self._update_wallet()

    def _update_wallet(self) -> None:
        if self._wallet is None:
            return
        words = {"none": "Set up a wallet", "locked": "Unlock"}
        self.wallet_card.status.setText(wallet_line(self._wallet))
        self.wallet_card.button.setText(words.get(self._wallet.state, "Open the wallet"))

    def _open_wallet(self) -> None:
        if self._wallet is None:
            return
        self._wallet.page_requested.emit()  # the shell shows the Wallet page
        if self._wallet.state == "none":
            self._wallet.open_onboarding()
        elif self._wallet.state == "locked":
            self._wallet.request_unlock()


def wallet_line(wallet: WalletController) -> str:
    """One line on the wallet: missing, locked, or the active account with its ETH balance."""
    from app.wallet.tx_summary import format_eth

    state = wallet.state
    if state == "loading":
        return "Opening the wallet…"
    if state == "none":
        return "No wallet yet: create one in a minute (the devnet funds it with test ETH)."
    account = wallet.active()
    if account is None:
        return "The wallet has no account to show."
    balance = wallet.balances.get(account.address)
    shown = f" · {format_eth(balance, max_decimals=4)}" if balance is not None else ""
    locked = " (locked)" if state == "locked" else ""
    return f"{account.name}{locked}{shown}"
