"""``SendDialog``: ETH from the active account to an address. Review checks the fields, asks the
outbox for a quote (insufficient funds, a revert or a wrong chain are reported here, before any
signature), shows ``ConfirmTxDialog`` and submits only after Confirm. Whatever goes wrong, the
dialog stays open with what was typed; it cannot be closed while the confirmation is open or the
transaction is being submitted."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QPushButton, QWidget

from app.ui.operations import Op, message_of
from app.ui.wallet.accounts_view import balance_text
from app.ui.widgets import styled_label
from app.ui.widgets.dialogs import OperationDialog, button_row, dialog_column
from app.ui.widgets.fields import StatusText

if TYPE_CHECKING:
    from app.ui.wallet.controller import WalletController

CHECKING = "Checking the transaction with the network…"


class SendDialog(OperationDialog):
    def __init__(self, controller: WalletController, parent: QWidget | None = None) -> None:
        super().__init__("wallet-send", _describe, parent)
        self.controller = controller
        self.account = controller.active()
        assert self.account is not None
        self.intent_id = f"send:{uuid.uuid4()}"
        self.result_row: object | None = None

        column = dialog_column(
            self,
            "Send ETH",
            520,
            spacing=12,
            intro=("Send ETH", "You review the transaction in words before it is signed."),
        )

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        grid.addWidget(styled_label("From", "muted"), 0, 0)
        source = styled_label(f"{self.account.name} · {self.account.address}", "mono", wrap=True)
        grid.addWidget(source, 0, 1)
        balance = controller.balances.get(self.account.address)
        self.available = styled_label(f"Available: {balance_text(balance)}", "hint")
        grid.addWidget(self.available, 1, 1)

        grid.addWidget(styled_label("To", "muted"), 2, 0)
        self.to = QLineEdit()
        self.to.setPlaceholderText("0x… recipient address")
        self.to.setAccessibleName("Recipient address")
        grid.addWidget(self.to, 2, 1)
        self.to_status = StatusText()
        grid.addWidget(self.to_status, 3, 1)

        grid.addWidget(styled_label("Amount", "muted"), 4, 0)
        amount_row = QHBoxLayout()
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("0.0")
        self.amount.setAccessibleName("Amount in ETH")
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(styled_label("ETH", "muted"))
        grid.addLayout(amount_row, 4, 1)
        self.amount_status = StatusText()
        grid.addWidget(self.amount_status, 5, 1)
        grid.setColumnStretch(1, 1)
        column.addLayout(grid)

        self.error = StatusText()
        column.addWidget(self.error)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.review_button = QPushButton("Review")
        self.review_button.setProperty("primary", True)
        self.review_button.setDefault(True)
        self.review_button.clicked.connect(self.review)
        column.addLayout(button_row(self.cancel_button, self.review_button))

        self.to.textEdited.connect(self._edited)
        self.amount.textEdited.connect(self._edited)
        self.to.editingFinished.connect(self._check_to)
        self.to.setFocus()

    def _edited(self) -> None:
        self.intent_id = f"send:{uuid.uuid4()}"  # a changed transaction is a new intent
        self.error.set_hint("")
        self.to_status.set_hint("")
        self.amount_status.set_hint("")

    def _check_to(self) -> str | None:
        from app.wallet.tx_summary import check_recipient

        if not self.to.text().strip():
            return None
        try:
            address = check_recipient(self.to.text())
        except ValueError as exc:
            self.to_status.set_error(str(exc))
            return None
        if address == self.account.address:
            self.to_status.set_hint("This is your own active account.")
        return address

    def _check_amount(self) -> int | None:
        from app.wallet.tx_summary import parse_amount

        try:
            return parse_amount(self.amount.text())
        except ValueError as exc:
            self.amount_status.set_error(str(exc))
            return None

    def review(self) -> None:
        if self.busy:
            return
        if not self.to.text().strip():
            self.to_status.set_error("Enter the recipient's address.")
        to, wei = self._check_to(), self._check_amount()
        if to is None or wei is None:
            (self.to if to is None else self.amount).setFocus()
            return
        outbox = getattr(self.controller.runtime, "outbox", None)
        if outbox is None:
            self.error.set_error("Not connected to a network yet; nothing was signed. Try again in a moment.")
            return
        self.ops.run(
            Op("send", lambda _say: self._send(outbox, to, wei), busy=CHECKING, progress=self._progress,
               success=lambda row: self._sent(row, wei), failure=self.error.set_error)
        )  # fmt: skip

    def _progress(self, line: str | None) -> None:
        busy = line is not None
        for widget in (self.to, self.amount, self.review_button):
            widget.setEnabled(not busy)
        self.review_button.setText("Checking…" if busy else "Review")
        if busy:
            self.error.set_hint(line)

    async def _send(self, outbox: Any, to: str, wei: int) -> Any:
        """The quote, the confirmation and the submission; None when the person rejected it."""
        from app.wallet.outbox import TxRequest
        from app.wallet.tx_summary import format_eth, short_address, submit_approved

        controller, account = self.controller, self.account
        wallet = controller.wallet
        assert wallet is not None
        request = TxRequest(
            self.intent_id, to, value=wei, description=f"Sent {format_eth(wei)} to {short_address(to)}"
        )
        return await submit_approved(
            outbox, request, account.address, lambda: wallet.signer(account.index), controller.approve,
            network_name=controller.network_name(), tokens=controller.tokens(),
        )  # fmt: skip

    def _sent(self, row: Any, wei: int) -> None:
        from app.wallet.tx_summary import format_eth

        if row is None:
            self.error.set_hint("You rejected it; nothing was signed.")
            return
        self.result_row = row
        self.controller.notice.emit(f"Sent {format_eth(wei)}: waiting to be mined.")
        self.accept()


def _describe(exc: BaseException) -> str:
    from app.chain.client import ChainUnavailable
    from app.wallet.outbox import OutboxError
    from app.wallet.service import WalletLocked

    if isinstance(exc, OutboxError):  # InsufficientFunds, TxReverted, ChainMismatch: nothing was signed
        return str(exc)
    if isinstance(exc, WalletLocked):
        return "The wallet locked while the transaction was open. Unlock it and review again."
    if isinstance(exc, ChainUnavailable):
        return f"The network does not answer, so nothing was signed. {exc}"
    return f"Sending stopped: {message_of(exc)}. The Wallet page's history shows whether it went out."
