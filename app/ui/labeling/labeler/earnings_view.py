"""The Earnings tab: what labeling has earned (pending review, accepted, paid, rejected with the
requester's reason per batch), Withdraw for what is credited on-chain (reviewed in words every
time) and Dispute for a selected rejection still open to dispute. Like the requester panel it
talks to the labeling service it is given, each call an operation (``app.ui.operations``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from app.labeling.approvals import withdraw_words
from app.ui.labeling.confirm import ask_in_words
from app.ui.labeling.status_line import StatusLine
from app.ui.labeling.tables import Cell, fill_sorted, make_table, table_style
from app.ui.labeling.wording import explain, sahara
from app.ui.operations import Op, Operations
from app.ui.theme import Colors
from app.ui.widgets import FactTile, action_button, styled_label
from app.words import batch_name

TILES = [
    ("Pending review", "pending", "Submitted batches the requester has not reviewed yet"),
    ("Accepted", "accepted", "Accepted work, credited to you on-chain"),
    ("Paid out", "paid", "Withdrawn to your wallet so far"),
    ("Rejected", "rejected", "Work the review did not accept; the reasons are below"),
]
ROW_COLUMNS = ["Campaign", "Batch", "Items", "Status", "Accepted", "Earned", "Reason"]


class EarningsView(QWidget):
    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self._colors = colors
        self.ops = Operations(name="earnings", describe=explain, parent=self)
        self._service: Any = None  # the labeling service of the moment (None: nothing is called)
        self.titles: dict[int, str] = {}  # campaign titles by id, as the page last read them
        self.review_box: QWidget | None = None  # the open withdrawal review, if any
        self._withdrawable = 0
        self._disputable: list[tuple[int, int]] = []  # (campaign, batch) of rows open to dispute
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        top = QHBoxLayout()
        top.addWidget(styled_label("Your earnings", "section"))
        top.addStretch(1)
        self.dispute_button = action_button("Dispute rejection", self._dispute)
        self.dispute_button.setToolTip(
            "Ask the arbiter to pay the rejected items of the selected batch. It takes a bond (a share "
            "of the disputed pay), returned unless the arbiter rejects the dispute entirely."
        )
        self.dispute_button.setEnabled(False)
        top.addWidget(self.dispute_button)
        self.refresh_button = action_button("Refresh", self.refresh)
        top.addWidget(self.refresh_button)
        column.addLayout(top)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.tiles: dict[str, FactTile] = {}
        for i, (caption, key, tip) in enumerate(TILES):
            tile = FactTile(caption)
            tile.setToolTip(tip)
            grid.addWidget(tile, 0, i)
            self.tiles[key] = tile
        column.addLayout(grid)
        withdraw = QHBoxLayout()
        self.withdrawable = styled_label("", "bullet")
        withdraw.addWidget(self.withdrawable)
        withdraw.addStretch(1)
        self.withdraw_button = action_button("Withdraw", self.review_withdraw, primary=True)
        self.withdraw_button.setEnabled(False)
        withdraw.addWidget(self.withdraw_button)
        column.addLayout(withdraw)
        self.status = StatusLine(selectable=True)
        column.addWidget(self.status)
        column.addWidget(styled_label("Batches", "section"))
        self.table = make_table(ROW_COLUMNS, colors)
        self.table.horizontalHeader().setSectionResizeMode(
            0, self.table.horizontalHeader().ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        column.addWidget(self.table)
        self.empty = styled_label("No batches yet: what you submit shows here.", "empty-body")
        self.empty.hide()
        column.addWidget(self.empty)
        column.addStretch(1)

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.table.setStyleSheet(table_style(colors))

    def set_busy(self, text: str | None) -> None:
        """Loading or withdrawing: buttons off and the reason shown."""
        busy = text is not None
        self.refresh_button.setEnabled(not busy)
        self.withdraw_button.setEnabled(not busy and self._withdrawable > 0)
        self.dispute_button.setEnabled(not busy and self._selected() is not None)
        self.show_status(text)  # None: the busy line goes

    def show_status(self, text: str | None, role: str = "hint") -> None:
        self.status.say(text, role)

    def _status_cell(self, status: str) -> Cell:
        cell = Cell(status.capitalize(), status)
        color = {"accepted": self._colors.success, "rejected": self._colors.danger}.get(status)
        if color is not None:
            cell.setForeground(QColor(color))
        return cell

    @property
    def withdrawable_wei(self) -> int:
        """What the board credits the account now (what Withdraw would move)."""
        return self._withdrawable

    def show_earnings(self, earnings: Any, titles: dict[int, str]) -> None:
        """``titles``: campaign titles by id, where known (the table shows #id otherwise)."""
        for _caption, key, _tip in TILES:
            self.tiles[key].set_value(sahara(getattr(earnings, key)))
        self._withdrawable = earnings.withdrawable
        if earnings.withdrawable:
            ready = f"Ready to withdraw: {sahara(earnings.withdrawable)}"
        elif earnings.paid:  # after a withdrawal: not "yet", it is all in the wallet
            ready = f"All withdrawn: {sahara(earnings.paid)} is in your wallet. New earnings show here."
        else:
            ready = "Nothing to withdraw yet: earnings arrive once batches are accepted."
        self.withdrawable.setText(ready)
        self.withdraw_button.setEnabled(earnings.withdrawable > 0)
        rows = earnings.rows
        cells = [
            [
                Cell(titles.get(row.campaign_id, f"Campaign #{row.campaign_id}"), row.campaign_id),
                Cell(str(row.batch + 1), row.batch),  # counted from 1, as people count
                Cell(str(row.items), row.items),
                self._status_cell(row.status),
                Cell(
                    f"{row.accepted} of {row.items}" if row.status not in ("claimed", "pending") else "—",
                    row.accepted,
                ),
                Cell(sahara(row.paid) if row.paid else "—", row.paid),
                Cell(row.reason or "", row.reason or "", row.reason or ""),
            ]
            for row in rows
        ]
        self._disputable = [(r.campaign_id, r.batch) for r in rows if getattr(r, "disputable", False)]
        fill_sorted(self.table, cells)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self._selection_changed()

    def _selected(self) -> tuple[int, int] | None:
        """The selected row's (campaign, batch) if its rejection is open to dispute."""
        row = self.table.currentRow()
        campaign, batch = self.table.item(row, 0), self.table.item(row, 1)
        if row < 0 or not isinstance(campaign, Cell) or not isinstance(batch, Cell):
            return None
        key = (int(campaign.key), int(batch.key))
        return key if key in self._disputable else None

    def _selection_changed(self) -> None:
        self.dispute_button.setEnabled(self.refresh_button.isEnabled() and self._selected() is not None)

    def _dispute(self) -> None:
        selected = self._selected()
        if selected is not None:
            self.dispute(*selected)

    # -- the service -----------------------------------------------------------------------------

    def set_service(self, service: Any) -> None:
        """The labeling service of the active account, or None; results of calls to the previous one
        are dropped."""
        self._service = service
        self.ops.reset()

    def _run(self, op: Op[Any]) -> None:
        if self._service is not None:
            self.ops.run(op)

    def refresh(self, done: str | None = None) -> None:
        """Load and show the earnings; ``done`` is what to say afterwards (after a withdrawal)."""
        service = self._service

        def show(earnings: Any) -> None:
            self.show_earnings(earnings, self.titles)
            self.show_status(done, "ok")

        self._run(
            Op(
                "earnings", lambda _say: service.earnings(), busy="Loading your earnings…",
                progress=self.set_busy, success=show, again=True,
                failure=lambda why: self.show_status(f"Your earnings could not be loaded: {why}", "error"),
            )
        )  # fmt: skip

    def review_withdraw(self) -> None:
        """Withdrawing moves money: reviewed in words every time."""
        service = self._service
        if service is None:
            return
        words = withdraw_words(self._withdrawable, service.address or "")
        self.review_box = ask_in_words(self, "Withdraw earnings?", "Withdraw your earnings?", words,
                                       "Withdraw", self.withdraw)  # fmt: skip

    def withdraw(self) -> None:
        service = self._service

        def withdrawn(tx: str) -> None:
            self.refresh(f"Withdrawn to your wallet (transaction {tx[:10]}…{tx[-6:]}).")

        self._run(
            Op(
                "withdraw", lambda _say: service.withdraw(),
                busy="Withdrawing to your wallet (a transaction on the chain)…",
                progress=self.set_busy, success=withdrawn,
                failure=lambda why: self.show_status(f"Nothing was withdrawn: {why}", "error"),
            )
        )  # fmt: skip

    def dispute(self, campaign_id: int, batch: int) -> None:
        service = self._service
        done = f"{batch_name(batch)} is disputed: the arbiter decides; if it does not in time, you win."
        self._run(
            Op(
                "dispute", lambda _say: service.dispute(campaign_id, batch),
                busy="Disputing the rejection (the bond, then the dispute: two transactions)…",
                progress=self.set_busy, success=lambda _tx: self.refresh(done),
                failure=lambda why: self.show_status(f"The rejection was not disputed: {why}", "error"),
            )
        )  # fmt: skip
