"""``RememberDialog``: the password once more before it goes into the operating system's keychain.

Sahara never keeps the password after unlocking, so turning "Remember on this computer" on asks for
it, checks it against the keystore (scrypt, in a thread, rate-limited like unlocking) and stores it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QPushButton, QWidget

from app.ui.wallet.password_prompt import PasswordCheckDialog
from app.ui.widgets.dialogs import button_row, dialog_column

if TYPE_CHECKING:
    from app.wallet.service import WalletService


class RememberDialog(PasswordCheckDialog):
    task_name = "wallet-remember"

    def __init__(self, wallet: WalletService, parent: QWidget | None = None) -> None:
        super().__init__("Remember", parent)
        self._wallet = wallet
        column = dialog_column(
            self,
            "Remember the password",
            440,
            intro=(
                "Remember on this computer",
                "Sahara will keep the wallet password in this computer's keychain and unlock the wallet by "
                "itself when it starts. Anyone who can use your computer account can then sign with it.",
            ),
        )
        column.addSpacing(6)
        column.addWidget(self.prompt)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        column.addLayout(button_row(self.cancel_button, self.prompt.button))
        self.prompt.field.setFocus()

    def check(self, password: str) -> None:
        from app.wallet import remember

        self._wallet.keystore.unlock(password)  # the right password, or WrongPassword/TooManyAttempts
        remember.remember(self._wallet.keystore.file, password)

    def cannot_do(self, exc: Exception) -> bool:
        from app.wallet.remember import RememberError

        return isinstance(exc, RememberError)  # no keychain, or it refused
