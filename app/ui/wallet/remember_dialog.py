"""``RememberDialog``: the password once more before it goes into the operating system's keychain.

Sahara never keeps the password after unlocking, so turning "Remember on this computer" on asks for
it, checks it against the keystore (scrypt, in a thread, rate-limited like unlocking) and stores it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton, QVBoxLayout, QWidget

from app.ui.wallet.common import button_row, heading
from app.ui.wallet.unlock_dialog import PasswordProblem, PasswordPrompt, Spawn, describe_password_error

if TYPE_CHECKING:
    from app.wallet.service import WalletService


class RememberDialog(QDialog):
    def __init__(self, wallet: WalletService, spawn: Spawn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remember the password")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(440)
        self._wallet, self._spawn = wallet, spawn
        self._task: asyncio.Task[None] | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 22, 24, 20)
        column.setSpacing(10)
        title, body = heading(
            "Remember on this computer",
            "Sahara will keep the wallet password in this computer's keychain and unlock the wallet by "
            "itself when it starts. Anyone who can use your computer account can then sign with it.",
        )
        column.addWidget(title)
        column.addWidget(body)
        column.addSpacing(6)
        self.prompt = PasswordPrompt("Remember")
        column.addWidget(self.prompt)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        column.addLayout(button_row(self.cancel_button, self.prompt.button))
        self.prompt.button.clicked.connect(self.store)
        self.prompt.field.returnPressed.connect(self.store)
        self.prompt.field.setFocus()

    def store(self) -> None:
        if self._task is not None and not self._task.done():
            return
        if not self.prompt.button.isEnabled() or not self.prompt.field.text():
            return
        self.prompt.set_busy(True, "Checking the password…")
        self._task = self._spawn(self._store(self.prompt.field.text()), "wallet-remember")

    def _check_and_store(self, password: str) -> None:
        from app.wallet import remember

        self._wallet.keystore.unlock(password)  # the right password, or WrongPassword/TooManyAttempts
        remember.remember(self._wallet.keystore.file, password)

    async def _store(self, password: str) -> None:
        from app.wallet.remember import RememberError

        try:
            await asyncio.to_thread(self._check_and_store, password)
        except Exception as exc:
            problem = describe_password_error(exc)
            if problem is None and isinstance(exc, RememberError):
                problem = PasswordProblem(str(exc), fatal=True)
            self.prompt.set_busy(False, "")
            if problem is None:
                raise
            self.prompt.show_problem(problem)
            return
        self.accept()

    def reject(self) -> None:
        if self._task is not None and not self._task.done():
            return
        super().reject()
