"""My licenses: every license the account holds (and those refunded), where each stands in words,
and the actions open on it now: download a delivered one, take a refund after the delivery
deadline, dispute a delivery within its window (with a reason), accept it early.

The rows come from ``app.market.my_licenses`` (read from the chain, right with or without the
indexer); the page runs the reads and actions as operations and calls ``show_licenses`` /
``show_problem``. Intents go out as signals with the license id.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.market.licenses import LicenseStatus
from app.market.my_licenses import HeldLicense
from app.market.terms import describe as terms_words
from app.ui.market.wording import title
from app.ui.pages.empty_state import EmptyStateCard
from app.ui.theme import Colors
from app.ui.widgets import Card, action_button, styled_label
from app.words import format_sahara

NONE_YET = (
    "You hold no licenses yet",
    "Licenses you buy appear here with their expiry, and with a refund or a dispute while one is open. "
    "Browse the marketplace, open an asset and buy one of its offers.",
)
STATUS_WORDS = {
    LicenseStatus.PENDING: "Waiting for the key",
    LicenseStatus.DELIVERED: "Delivered",
    LicenseStatus.DISPUTED: "Disputed",
    LicenseStatus.SETTLED: "Active",
    LicenseStatus.REFUNDED: "Refunded",
}


class LicenseRow(Card):
    """One license: asset, status, terms, where it stands, and its buttons."""

    def __init__(self, row: HeldLicense, name: str, view: LicensesView) -> None:
        super().__init__(padding=14, spacing=6)
        self.license_id = row.license_id
        top = QHBoxLayout()
        heading = styled_label(f"{title(name, row.asset_id)} · license #{row.license_id}", "row-title")
        top.addWidget(heading, 1)
        expired = "expired" in row.state
        chip = "chip-failed" if row.status == LicenseStatus.REFUNDED or expired else (
            "chip-mined" if row.status.delivered else "chip-signed"
        )  # fmt: skip
        top.addWidget(
            styled_label("Expired" if expired else STATUS_WORDS.get(row.status, row.status.name), chip)
        )
        self.body.addLayout(top)
        self.body.addWidget(styled_label(f"Terms: {terms_words(row.terms)}", "muted", wrap=True))
        state = row.state[:1].upper() + row.state[1:]
        escrow = f" {format_sahara(row.paid)} held in escrow." if row.paid else ""
        self.body.addWidget(styled_label(f"{state}.{escrow}", wrap=True))
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.open_button = action_button("Open asset", lambda: view.open_asset.emit(row.asset_id))
        buttons.addWidget(self.open_button)
        self.download_button: QPushButton | None = None
        self.refund_button: QPushButton | None = None
        self.dispute_button: QPushButton | None = None
        self.accept_button: QPushButton | None = None
        if row.status.delivered and not expired:
            self.download_button = action_button(
                "Download", lambda: view.download.emit(row.license_id), primary=True
            )
            buttons.addWidget(self.download_button)
        if row.can_refund:
            self.refund_button = action_button(
                f"Refund {format_sahara(row.paid)}", lambda: view.refund.emit(row.license_id), primary=True
            )
            buttons.addWidget(self.refund_button)
        if row.can_accept:
            self.accept_button = action_button("Accept delivery", lambda: view.accept.emit(row.license_id))
            self.accept_button.setToolTip("Release the escrow to the seller now; ends the dispute window")
            buttons.addWidget(self.accept_button)
        if row.can_dispute:
            self.dispute_button = action_button("Dispute…", self._ask_reason)
            buttons.addWidget(self.dispute_button)
        buttons.addStretch(1)
        self.body.addLayout(buttons)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("What is wrong with the delivery (stored with the dispute)")
        self.send_dispute = action_button(
            "Send dispute", lambda: view.dispute.emit(row.license_id, self.reason.text().strip())
        )
        self.reason_row = QWidget()
        line = QHBoxLayout(self.reason_row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.reason, 1)
        line.addWidget(self.send_dispute)
        self.reason_row.hide()
        self.body.addWidget(self.reason_row)
        self.problem = styled_label("", "error", wrap=True)
        self.problem.hide()
        self.body.addWidget(self.problem)

    def _ask_reason(self) -> None:
        self.reason_row.show()
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)


class LicensesView(QWidget):
    open_asset = Signal(int)
    download = Signal(int)
    refund = Signal(int)
    accept = Signal(int)
    dispute = Signal(int, str)

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[int, LicenseRow] = {}
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        top = QHBoxLayout()
        self.summary = styled_label("", "muted", wrap=True)
        top.addWidget(self.summary, 1)
        self.refresh_button = action_button("Refresh", lambda: None)
        top.addWidget(self.refresh_button)
        column.addLayout(top)
        self.problem = styled_label("", "error", wrap=True)
        self.problem.hide()
        column.addWidget(self.problem)
        self.empty = EmptyStateCard("receipt", *NONE_YET, colors)
        self.empty.hide()
        column.addWidget(self.empty)
        self.list = QVBoxLayout()
        self.list.setSpacing(10)
        column.addLayout(self.list)
        column.addStretch(1)

    def show_licenses(self, rows: list[HeldLicense], names: dict[int, str]) -> None:
        while self.list.count():
            widget = self.list.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.rows = {}
        self.problem.hide()
        for row in rows:
            widget = LicenseRow(row, names.get(row.asset_id, ""), self)
            self.rows[row.license_id] = widget
            self.list.addWidget(widget)
        self.empty.setVisible(not rows)
        live = sum(1 for r in rows if r.status != LicenseStatus.REFUNDED)
        self.summary.setText(f"{live} license{'s' if live != 1 else ''} held. Read from the chain just now.")

    def show_problem(self, why: str, license_id: int | None = None) -> None:
        """A failure in words: on the license's row when it is about one, else above the list."""
        row = self.rows.get(license_id) if license_id is not None else None
        target = row.problem if row is not None else self.problem
        target.setText(why)
        target.show()

    def apply_colors(self, colors: Colors) -> None:
        self.empty.apply_colors(colors)
