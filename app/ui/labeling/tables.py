"""The labeling pages' tables: quiet, sortable by value, as tall as their rows (``make_table``,
``Cell``, ``fill_sorted``), and ``CampaignTable``, the frame the labeler's open campaigns and the
requester's own campaigns share (title row with a count and buttons, status line, table, note, empty
text, a row opened by double-click, Enter or a button enabled by the selection); they live here once
so that the earnings, the monitor and both campaign lists look and behave alike."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.labeling.status_line import StatusLine
from app.ui.theme import Colors
from app.ui.widgets import styled_label


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
    # Every column as wide as what it holds, names included (a stretched first column was the one
    # squeezed and cut off while short columns kept their room); the last one takes what is left.
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
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


class CampaignTable(QWidget):
    """Campaigns as table rows under a title with a count and buttons, a status line above the table,
    a note under it, and a line that stands in for the table when there are no rows."""

    row_opened = Signal(object)  # the campaign id (an int) of a row opened by double-click, Enter, button

    def __init__(self, title: str, columns: list[str], colors: Colors, *, note: str, empty: str) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        self.top = QHBoxLayout()
        self.top.addWidget(styled_label(title, "section"))
        self.count = styled_label("", "hint")
        self.top.addWidget(self.count)
        self.top.addStretch(1)
        column.addLayout(self.top)
        self.status = StatusLine()
        column.addWidget(self.status)
        self.table = make_table(columns, colors)
        self.table.activated.connect(lambda index: self._open_row(index.row()))
        column.addWidget(self.table)
        self.note = styled_label(note, "hint", wrap=True)
        column.addWidget(self.note)
        self.empty = styled_label(empty, "empty-body", wrap=True)
        self.empty.hide()
        column.addWidget(self.empty)
        column.addStretch(1)

    def add_buttons(self, *buttons: QPushButton, opener: QPushButton) -> None:
        """Put ``buttons`` at the end of the title row; ``opener`` is enabled while a row is selected."""
        for button in buttons:
            self.top.addWidget(button)
        opener.setEnabled(False)
        self.table.itemSelectionChanged.connect(lambda: opener.setEnabled(bool(self.table.selectedItems())))

    def apply_colors(self, colors: Colors) -> None:
        self.table.setStyleSheet(table_style(colors))

    def show_status(self, text: str | None, role: str = "hint") -> None:
        self.status.say(text, role)

    def show_rows(self, rows: list[tuple[int, list[Cell]]]) -> None:
        """One row per ``(campaign id, cells)``, in this order until the user sorts by a column."""
        for campaign_id, cells in rows:
            cells[0].setData(Qt.ItemDataRole.UserRole, campaign_id)
        fill_sorted(self.table, [cells for _id, cells in rows])
        self.table.setVisible(bool(rows))
        self.note.setVisible(bool(rows))
        self.empty.setVisible(not rows)

    def open_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedItems()}
        if rows:
            self._open_row(min(rows))

    def _open_row(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.row_opened.emit(item.data(Qt.ItemDataRole.UserRole))
