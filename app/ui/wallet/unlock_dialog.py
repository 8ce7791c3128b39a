"""The unlock dialog: one password field, and a clear answer for each way it can go wrong.

A wrong password says so, and after three wrong ones it counts the keystore's wait down (see
``password_prompt``). A keystore that cannot be read is reported with its path and left alone: this
dialog never offers to create or overwrite anything. scrypt takes about a second, so it runs in a
worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QPushButton, QWidget

from app.ui.wallet.password_prompt import PasswordCheckDialog
from app.ui.widgets.dialogs import button_row, dialog_column

if TYPE_CHECKING:
    from app.ui.theme import Colors
    from app.wallet.service import WalletService


class UnlockDialog(PasswordCheckDialog):
    task_name = "wallet-unlock"
    busy_text = "Unlocking…"

    def __init__(self, wallet: WalletService, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__("Unlock", parent)
        self._wallet = wallet
        column = dialog_column(
            self,
            "Unlock wallet",
            420,
            intro=(
                "Unlock your wallet",
                "Enter the password you chose for this wallet to sign transactions.",
            ),
        )
        column.addSpacing(6)
        column.addWidget(self.prompt)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        column.addSpacing(6)
        column.addLayout(button_row(self.cancel_button, self.prompt.button))
        self.prompt.field.setFocus()

    def check(self, password: str) -> None:
        self._wallet.unlock(password)
