"""``RowList``: the Wallet page's lists (accounts, history) as a column of rows with a separator
between each two, rebuilt whole on ``refresh``: a handful of accounts and the latest transactions
are cheaper to redraw than to patch row by row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.ui.widgets import separator

if TYPE_CHECKING:
    from app.ui.theme import Colors
    from app.ui.wallet.controller import WalletController

Row = TypeVar("Row", bound=QWidget)


class RowList(QWidget, Generic[Row]):
    def __init__(self, controller: WalletController) -> None:
        super().__init__()
        self._controller = controller
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(0)
        self.rows: list[Row] = []

    def refresh(self) -> None:
        raise NotImplementedError

    def clear(self, keep: QWidget | None = None) -> None:
        """Take every widget out of the column and delete it, but ``keep``."""
        while self.column.count():
            item = self.column.takeAt(0)
            widget = item.widget()
            if widget is not None and widget is not keep:
                widget.deleteLater()
        self.rows = []

    def add_row(self, row: Row) -> None:
        if self.rows:
            self.column.addWidget(separator())
        self.rows.append(row)
        self.column.addWidget(row)

    def apply_colors(self, colors: Colors) -> None:
        self.refresh()  # the rows' icons are drawn in the theme's colours
