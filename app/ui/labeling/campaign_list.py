"""The open campaigns a labeler can work on, read from the chain: reward, items left, an earnings
estimate, the requester's record, and the labeler's own batch in progress. Double-click or Enter
opens a campaign's instructions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.labeling.wording import per_hour, per_hour_tooltip, reputation, sahara
from app.ui.theme import Colors
from app.ui.widgets import action_button, set_role, styled_label

COLUMNS = ["Campaign", "Task", "Reward per item", "Items left", "Est. per hour", "Requester", "Your work"]


class Cell(QTableWidgetItem):
    """A cell that sorts by a value of its own (amounts and counts sort as numbers, not text)."""

    def __init__(self, text: str, key: Any = None, tooltip: str = "") -> None:
        super().__init__(text)
        self.key = text.lower() if key is None else key
        self.setToolTip(tooltip)
        self.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return self.key < other.key if isinstance(other, Cell) else super().__lt__(other)


def table_style(colors: Colors) -> str:
    """A quiet table: no grid, roomy rows, the header as captions."""
    c = colors
    return (
        f"QTableWidget {{ background: {c.surface}; color: {c.text}; border: 1px solid {c.border};"
        f" border-radius: 10px; gridline-color: transparent; selection-background-color: {c.selected};"
        f" selection-color: {c.text}; outline: none; }}"
        " QTableWidget::item { padding: 8px 10px; border: none; }"
        f" QHeaderView::section {{ background: {c.surface}; color: {c.muted}; border: none;"
        f" border-bottom: 1px solid {c.border}; padding: 8px 10px; font-size: 11px; font-weight: 600; }}"
        f" QTableCornerButton::section {{ background: {c.surface}; border: none; }}"
    )


class RowsTable(QTableWidget):
    """A table that asks for the height of its rows, so a short list does not leave an empty box
    down the page; the layout still squeezes a long one, which then scrolls."""

    def sizeHint(self) -> QSize:
        rows = sum(self.rowHeight(r) for r in range(self.rowCount()))
        height = self.horizontalHeader().sizeHint().height() + rows + 2 * self.frameWidth() + 2
        return QSize(super().sizeHint().width(), height)


def make_table(headers: list[str], colors: Colors) -> QTableWidget:
    table = RowsTable(0, len(headers))
    table.setHorizontalHeaderLabels([h.upper() for h in headers])
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.setAlternatingRowColors(False)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(40)
    table.setStyleSheet(table_style(colors))
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the caller's order until a header is clicked
    return table


def fill_sorted(table: QTableWidget, rows: list[list[QTableWidgetItem]]) -> None:
    """Put ``rows`` in, keeping a sort the user chose."""
    table.setSortingEnabled(False)
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            table.setItem(r, c, cell)
    table.setSortingEnabled(True)
    table.updateGeometry()


class CampaignListView(QWidget):
    open_requested = Signal(object)  # CampaignInfo
    refresh_requested = Signal()

    def __init__(self, colors: Colors) -> None:
        super().__init__()
        self.campaigns: list[Any] = []
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        top = QHBoxLayout()
        top.addWidget(styled_label("Open campaigns", "section"))
        self.count = styled_label("", "hint")
        top.addWidget(self.count)
        top.addStretch(1)
        self.refresh_button = action_button("Refresh", self.refresh_requested.emit)
        self.open_button = action_button("Open campaign", self._open_selected, primary=True)
        self.open_button.setEnabled(False)
        top.addWidget(self.refresh_button)
        top.addWidget(self.open_button)
        column.addLayout(top)
        self.status = styled_label("", "hint", wrap=True)
        self.status.hide()
        column.addWidget(self.status)
        self.table = make_table(COLUMNS, colors)
        self.table.activated.connect(lambda index: self._open_row(index.row()))
        self.table.itemSelectionChanged.connect(
            lambda: self.open_button.setEnabled(bool(self.table.selectedItems()))
        )
        column.addWidget(self.table)
        self.note = styled_label(
            "Est. per hour assumes a typical pace for the task and every item accepted (hover it for the "
            "pace). Double-click a campaign, or select it and press Enter, to read its instructions.",
            "hint",
            wrap=True,
        )
        column.addWidget(self.note)
        self.empty = styled_label(
            "No open campaigns on this network yet. On the local devnet, `sahara demo labeling` creates one "
            "with real digit images.",
            "empty-body",
            wrap=True,
        )
        self.empty.hide()
        column.addWidget(self.empty)
        column.addStretch(1)

    def apply_colors(self, colors: Colors) -> None:
        self.table.setStyleSheet(table_style(colors))

    def set_busy(self, busy: bool) -> None:
        self.refresh_button.setEnabled(not busy)
        self.refresh_button.setText("Loading…" if busy else "Refresh")

    def show_error(self, text: str | None) -> None:
        self.status.setText(text or "")
        self.status.setVisible(bool(text))
        set_role(self.status, "error")

    def show_campaigns(self, campaigns: list[Any], claims: dict[int, Any]) -> None:
        """Open campaigns first by what they pay; ``claims`` are the labeler's open batches by campaign."""
        self.show_error(None)
        shown = [c for c in campaigns if c.open or c.campaign_id in claims]
        shown.sort(
            key=lambda c: (c.batches_available == 0 and c.campaign_id not in claims, -c.reward_per_item)
        )
        self.campaigns = shown
        rows = []
        for c in shown:
            left = c.batches_available * c.batch_size
            hourly = per_hour(c.reward_per_item, c.task_type)
            claim = claims.get(c.campaign_id)
            work = (
                f"Batch {claim.batch} in progress"
                if claim is not None
                else f"Needs {c.min_reputation:,} accepted items"
                if c.min_reputation
                else ""
            )
            cells = [
                Cell(c.title, tooltip=f"Campaign #{c.campaign_id}"),
                Cell(c.task_type.title),
                Cell(sahara(c.reward_per_item), c.reward_per_item),
                Cell(f"{left:,}" if left else "None left", left),
                Cell(f"≈ {sahara(hourly)}", hourly, per_hour_tooltip(c.task_type)),
                Cell(
                    reputation(c.requester_reviewed, c.requester_accept_rate), c.requester_accept_rate or 0.0
                ),
                Cell(work, work),
            ]
            cells[0].setData(Qt.ItemDataRole.UserRole, c.campaign_id)
            rows.append(cells)
        fill_sorted(self.table, rows)
        self.count.setText(f"{len(shown)} campaign{'s' if len(shown) != 1 else ''}")
        self.table.setVisible(bool(shown))
        self.note.setVisible(bool(shown))
        self.empty.setVisible(not shown)

    def _open_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if rows:
            self._open_row(min(rows))

    def _open_row(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is None:
            return
        campaign_id = item.data(Qt.ItemDataRole.UserRole)
        campaign = next((c for c in self.campaigns if c.campaign_id == campaign_id), None)
        if campaign is not None:
            self.open_requested.emit(campaign)
