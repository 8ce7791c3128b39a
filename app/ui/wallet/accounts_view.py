"""The list of accounts: name (renamed in place), address with a copy button, ETH balance, and
which one is active. Reading works while locked (the account list is stored in clear, as in
MetaMask); adding an account needs the password."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.ui.icons import glyph
from app.ui.wallet.row_list import RowList
from app.ui.widgets import styled_label
from app.ui.widgets.fields import StatusText, copy_button

if TYPE_CHECKING:
    from app.ui.wallet.controller import WalletController
    from app.wallet.keystore import AccountEntry


def balance_text(wei: int | None) -> str:
    from app.wallet.tx_summary import format_eth

    return "—" if wei is None else format_eth(wei, max_decimals=4)


class AccountRow(QWidget):
    def __init__(self, account: AccountEntry, active: bool, controller: WalletController) -> None:
        super().__init__()
        self.account = account
        self._controller = controller
        colors = controller.colors
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 6, 0, 6)
        row.setSpacing(12)
        dot = QLabel()
        dot.setFixedSize(QSize(14, 14))
        icon = "check-circle" if active else "circle"
        dot.setPixmap(glyph(icon, colors.accent if active else colors.faint).pixmap(QSize(14, 14)))
        dot.setToolTip("The active account: sends and receives from here" if active else "")
        row.addWidget(dot)

        names = QVBoxLayout()
        names.setSpacing(2)
        self.name_label = styled_label(account.name, "row-title")
        self.name_label.setToolTip("Double-click to rename")
        self.name_edit = QLineEdit(account.name)
        self.name_edit.setMaxLength(40)
        self.name_edit.setMinimumWidth(240)
        self.name_edit.setAccessibleName(f"New name for {account.name}")
        self.name_edit.hide()
        name_row = QHBoxLayout()
        name_row.setSpacing(4)
        name_row.addWidget(self.name_label)
        name_row.addWidget(self.name_edit)
        self.rename_button = QPushButton()
        self.rename_button.setProperty("flat", True)
        self.rename_button.setIcon(glyph("pencil-simple", colors.muted))
        self.rename_button.setToolTip("Rename")
        self.rename_button.setAccessibleName(f"Rename {account.name}")
        self.rename_button.clicked.connect(self.begin_rename)
        name_row.addWidget(self.rename_button)
        name_row.addStretch(1)
        names.addLayout(name_row)
        address_row = QHBoxLayout()
        address_row.setSpacing(2)
        self.address = styled_label(account.address, "mono")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        address_row.addWidget(self.address)
        address_row.addWidget(copy_button(lambda: account.address, colors.muted))
        address_row.addStretch(1)
        names.addLayout(address_row)
        self.error = StatusText()
        names.addWidget(self.error)
        row.addLayout(names, 1)

        self.balance = styled_label(balance_text(controller.balances.get(account.address)), "row-value")
        self.balance.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.balance)
        self.use_button = QPushButton("Use")
        self.use_button.setToolTip("Make this the active account")
        self.use_button.clicked.connect(lambda: controller.switch(account.index))
        self.use_button.setVisible(not active)
        self.active_badge = styled_label("Active", "badge")
        self.active_badge.setVisible(active)
        holder = QWidget()
        holder.setFixedWidth(72)
        holder_row = QHBoxLayout(holder)
        holder_row.setContentsMargins(0, 0, 0, 0)
        holder_row.addStretch(1)
        holder_row.addWidget(self.use_button)
        holder_row.addWidget(self.active_badge)
        row.addWidget(holder)

        self.name_edit.installEventFilter(self)
        self.name_label.installEventFilter(self)

    @property
    def editing(self) -> bool:
        return not self.name_edit.isHidden()

    def begin_rename(self) -> None:
        self.name_edit.setText(self.account.name)
        self.name_label.hide()
        self.rename_button.hide()
        self.name_edit.show()
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def finish_rename(self, save: bool) -> None:
        if not self.editing:
            return
        name = self.name_edit.text().strip()
        if save and name != self.account.name:
            problem = self._controller.rename(self.account.index, name)
            if problem:
                self.error.set_error(problem)
                self.name_edit.setFocus()
                return
        self.error.set_hint("")
        self.name_edit.hide()
        self.name_label.show()
        self.rename_button.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.name_label and event.type() == QEvent.Type.MouseButtonDblClick:
            self.begin_rename()
            return True
        if watched is self.name_edit:
            if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self.finish_rename(save=True)
                    return True
                if event.key() == Qt.Key.Key_Escape:
                    self.finish_rename(save=False)
                    return True
            elif event.type() == QEvent.Type.FocusOut:
                self.finish_rename(save=True)
        return super().eventFilter(watched, event)


class AccountsView(RowList[AccountRow]):
    def refresh(self) -> None:
        """Rebuild the rows from the wallet (cheap: a handful of accounts)."""
        self.clear()
        active = self._controller.active()
        for account in self._controller.accounts():
            is_active = active is not None and account.index == active.index
            self.add_row(AccountRow(account, is_active, self._controller))

    def update_balances(self) -> None:
        for row in self.rows:
            row.balance.setText(balance_text(self._controller.balances.get(row.account.address)))
            row.balance.setToolTip(self._controller.balance_error)
