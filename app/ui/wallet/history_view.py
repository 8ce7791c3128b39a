"""Transaction history from the outbox, live: each row's status follows the outbox's events
(signed → broadcast → mined / failed / replaced / rejected) with its block, fee cap and error text;
pending rows the active account sent offer Speed up and Cancel (each asks for confirmation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.icons import glyph
from app.ui.wallet.row_list import RowList
from app.ui.widgets import styled_label

if TYPE_CHECKING:
    from app.db.models import OutboxTx
    from app.ui.wallet.controller import WalletController

SHOWN = 50
STATUS_WORDS = {
    "signed": ("Signed", "Signed and saved; it is broadcast as soon as the network answers."),
    "broadcast": ("Broadcast", "Sent to the network, waiting to be mined."),
    "mined": ("Mined", "Included in a block."),
    "failed": ("Failed", "Mined, but it reverted: nothing but the fee was spent."),
    "replaced": ("Replaced", "Another transaction with the same nonce (a speed-up or cancel) was mined."),
    "rejected": ("Rejected", "The node refused it; nothing was spent."),
}
PENDING = ("signed", "broadcast")


def describe(row: OutboxTx, me: str) -> tuple[str, str]:
    """A title in words and the direction icon for ``row`` as seen from account ``me``."""
    from app.wallet.tx_summary import format_eth, short_address

    value = int(row.value)
    incoming = row.sender != me and (row.to or "").lower() == me.lower()
    if incoming:
        what = f"Received {format_eth(value)}" if value else "Incoming transaction"
        source = "the devnet faucet" if "faucet" in row.description.lower() else short_address(row.sender)
        return f"{what} from {source}", "arrow-down-left"
    if row.kind == "cancel":
        return f"Cancel #{row.nonce}", "prohibit"
    if row.description:
        return row.description, "arrow-up-right"
    if row.data in ("", "0x"):
        return f"Sent {format_eth(value)} to {short_address(row.to or '')}", "arrow-up-right"
    return f"Contract call to {short_address(row.to or '')}", "arrow-up-right"


def details(row: OutboxTx, me: str) -> str:
    """Block, fee cap and hash; the nonce and fee only for what ``me`` sent (the sender pays)."""
    from app.wallet.tx_summary import fee_paid_cap, format_eth, short_address

    parts = []
    if row.sender == me:
        parts.append(f"Nonce {row.nonce}")
    if row.block_number is not None:
        parts.append(f"block {row.block_number:,}")
    if row.sender == me:
        cap = fee_paid_cap(row.gas_used, row.gas, int(row.max_fee_per_gas))
        parts.append(f"fee ≤ {format_eth(cap, max_decimals=6, round_up=True)}")
    parts.append(short_address(row.tx_hash))
    text = " · ".join(parts)
    return text[0].upper() + text[1:]


class HistoryRow(QWidget):
    def __init__(self, row: OutboxTx, me: str, controller: WalletController, online: bool) -> None:
        super().__init__()
        self.tx = row
        colors = controller.colors
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 8, 0, 8)
        line.setSpacing(12)
        title, icon_name = describe(row, me)
        icon = QLabel()
        icon.setFixedSize(QSize(30, 30))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        icon.setPixmap(glyph(icon_name, colors.muted).pixmap(QSize(16, 16), self.devicePixelRatioF()))
        icon.setStyleSheet(f"background: {colors.surface_alt}; border-radius: 15px;")
        line.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = styled_label(title, "row-title", wrap=True)
        text.addWidget(self.title)
        self.details = styled_label(details(row, me), "hint", wrap=True)
        self.details.setToolTip(f"{row.tx_hash}\nThe fee is at most gas used × max fee per gas.")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.details)
        self.error = styled_label(row.error or "", "error", wrap=True)
        self.error.setVisible(bool(row.error))
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.error)
        line.addLayout(text, 1)
        word, tip = STATUS_WORDS.get(row.status, (row.status.capitalize(), ""))
        if row.status == "signed" and not online:
            word, tip = "Queued", "Offline: it is broadcast as soon as the network answers."
        self.status = styled_label(word, f"chip-{row.status}")
        self.status.setToolTip(tip)
        line.addWidget(self.status, 0, Qt.AlignmentFlag.AlignTop)
        self.speed_up: QPushButton | None = None
        self.cancel: QPushButton | None = None
        if row.status in PENDING and row.sender == me:
            self.speed_up = QPushButton("Speed up")
            self.speed_up.setToolTip("Send it again with a higher fee")
            self.speed_up.clicked.connect(lambda: controller.replace_tx(row.id, cancel=False))
            self.cancel = QPushButton("Cancel")
            self.cancel.setToolTip("Replace it with a 0 ETH transaction to yourself at a higher fee")
            self.cancel.clicked.connect(lambda: controller.replace_tx(row.id, cancel=True))
            line.addWidget(self.speed_up, 0, Qt.AlignmentFlag.AlignTop)
            line.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignTop)


class HistoryView(RowList[HistoryRow]):
    def __init__(self, controller: WalletController) -> None:
        super().__init__(controller)
        self.empty = styled_label("", "muted", wrap=True)
        self.empty.setParent(self)
        self.empty.hide()

    def refresh(self) -> None:
        self.clear(keep=self.empty)
        controller = self._controller
        account = controller.active()
        outbox = getattr(controller.runtime, "outbox", None)
        if account is None or outbox is None:
            self.empty.setText("Transactions appear here once the network is up." if account else "")
            self.column.addWidget(self.empty)
            self.empty.show()
            return
        me = account.address
        rows = [
            r for r in outbox.history(None, limit=500) if r.sender == me or (r.to or "").lower() == me.lower()
        ]
        if not rows:
            self.empty.setText("No transactions yet. What you send and receive through Sahara shows up here.")
            self.column.addWidget(self.empty)
            self.empty.show()
            return
        self.empty.hide()
        online = getattr(outbox, "online", True)
        for row in rows[:SHOWN]:
            self.add_row(HistoryRow(row, me, controller, online))
