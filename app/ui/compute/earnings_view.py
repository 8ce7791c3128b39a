"""What the worker earned: today and the last two weeks (with the chart), the money on the market
(pay waiting, free, locked and unbonding stake) with Withdraw pay / Unbond stake / Withdraw stake,
and every job it took with its pay and how it ended; picking a job shows its checks."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.compute.payouts import Balances, JobEarning, earned_on, per_day
from app.ui.compute.earnings_chart import EarningsChart
from app.ui.theme import Colors
from app.ui.widgets import FactTile, action_button, styled_label
from app.wallet.tx_summary import parse_amount
from app.words import format_units, sahara

STAGE_WORDS = {
    "accepting": "taking", "accepted": "running", "sealed": "delivering", "committed": "committed",
    "revealed": "revealed", "submitted": "in challenge window", "paid": "paid", "lost": "lost",
    "failed": "failed",
}  # fmt: skip
COLUMNS = ["Job", "Status", "Pay", "When", "Note"]


class EarningsView(QWidget):
    """Signals: ``refresh_requested()``, ``withdraw_requested()``, ``unbond_requested(wei)``,
    ``withdraw_stake_requested()``, ``job_selected(job_id)``."""

    refresh_requested = Signal()
    withdraw_requested = Signal()
    unbond_requested = Signal(object)  # wei (int: may exceed a C++ int)
    withdraw_stake_requested = Signal()
    job_selected = Signal(int)

    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self.balances: Balances | None = None
        self.unbond_dialog: QInputDialog | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        top = QHBoxLayout()
        top.addWidget(styled_label("Earnings", "section"))
        top.addStretch(1)
        self.refresh_button = action_button("Refresh", self.refresh_requested.emit)
        top.addWidget(self.refresh_button)
        column.addLayout(top)
        tiles = QGridLayout()
        tiles.setSpacing(12)
        self.tiles = {key: FactTile(caption) for key, caption in (
            ("today", "Today"), ("fortnight", "Last 14 days"), ("waiting", "Pay on the market"),
            ("stake", "Stake"),
        )}  # fmt: skip
        for i, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, i)
        column.addLayout(tiles)
        self.chart = EarningsChart(colors)
        column.addWidget(self.chart)
        actions = QHBoxLayout()
        self.status = styled_label("", "hint", wrap=True)
        actions.addWidget(self.status, 1)
        self.withdraw_button = action_button("Withdraw pay", self.withdraw_requested.emit, primary=True)
        self.unbond_button = action_button("Unbond stake…", self._ask_unbond)
        self.withdraw_stake_button = action_button("Withdraw stake", self.withdraw_stake_requested.emit)
        for button in (self.withdraw_button, self.unbond_button, self.withdraw_stake_button):
            button.setEnabled(False)
            actions.addWidget(button)
        column.addLayout(actions)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(160)
        self.table.itemSelectionChanged.connect(self._selected)
        column.addWidget(self.table, 1)

    def apply_colors(self, colors: Colors) -> None:
        self.chart.apply_colors(colors)

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def show_jobs(self, jobs: list[JobEarning], today: date) -> None:
        days = per_day(jobs, today)
        self.tiles["today"].set_value(sahara(earned_on(jobs, today)))
        self.tiles["fortnight"].set_value(sahara(sum(wei for _, wei in days)))
        self.chart.show_days(days)
        self.table.setRowCount(len(jobs))
        for row, job in enumerate(jobs):
            pay = sahara(job.payment) if job.paid else f"({sahara(job.payment)})"
            cells = [
                str(job.job_id),
                STAGE_WORDS.get(job.stage, job.stage),
                pay,
                _when(job.at),
                job.error or "",
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, job.job_id)
                if col == 4 and text:
                    item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)

    def show_balances(self, money: Balances | None) -> None:
        self.balances = money
        if money is None:
            for key in ("waiting", "stake"):
                self.tiles[key].set_value("—")
            for button in (self.withdraw_button, self.unbond_button, self.withdraw_stake_button):
                button.setEnabled(False)
            return
        self.tiles["waiting"].set_value(sahara(money.withdrawable))
        detail = f"Free {sahara(money.stake)}, locked as collateral {sahara(money.locked)}"
        if money.unbonding:
            ready = datetime.fromtimestamp(money.unbonding_at).strftime("%d %b %H:%M")
            detail += f", unbonding {sahara(money.unbonding)} (free to withdraw from {ready})"
        self.tiles["stake"].set_value(sahara(money.stake + money.locked + money.unbonding), detail)
        self.withdraw_button.setEnabled(money.withdrawable > 0)
        self.unbond_button.setEnabled(money.stake > 0 and money.open_runs == 0)
        self.unbond_button.setToolTip(
            "Stake cannot leave while the worker holds a job."
            if money.open_runs
            else "Start the unbonding delay"
        )
        self.withdraw_stake_button.setEnabled(money.unbonding > 0)

    def set_busy(self, busy: bool) -> None:
        for button in (self.withdraw_button, self.unbond_button, self.withdraw_stake_button):
            button.setEnabled(not busy and button.isEnabled())

    def _ask_unbond(self) -> QInputDialog:
        """Ask how much stake leaves, without blocking the loop (a modal exec would stall asyncio)."""
        free = self.balances.stake if self.balances else 0
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Unbond stake")
        dialog.setLabelText(
            f"How much of the free stake ({sahara(free)}) should leave?\n"
            "It can be withdrawn after the unbonding delay."
        )
        dialog.setTextValue(format_units(free).replace(",", ""))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self._unbond_typed)
        dialog.open()
        self.unbond_dialog = dialog
        return dialog

    def _unbond_typed(self, text: str) -> None:
        try:
            wei = parse_amount(text, 18, "SAHARA")
        except ValueError as exc:
            self.show_status(str(exc))
            return
        self.unbond_requested.emit(wei)

    def _selected(self) -> None:
        items = self.table.selectedItems()
        if items:
            self.job_selected.emit(int(items[0].data(Qt.ItemDataRole.UserRole)))


def _when(moment: datetime) -> str:
    return (
        moment.strftime("%H:%M") if moment.date() == datetime.now().date() else moment.strftime("%d %b %H:%M")
    )
