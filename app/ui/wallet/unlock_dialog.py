"""The unlock dialog: one password field, and a clear answer for each way it can go wrong.

A wrong password says so (and keeps what was typed, selected, to retype over). After three wrong
ones the keystore imposes a growing wait; the dialog counts it down and re-enables Unlock at zero.
A keystore that cannot be read is reported with its path and left alone: this dialog never offers
to create or overwrite anything. scrypt takes about a second, so it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.ui.wallet.common import StatusText, button_row, heading

if TYPE_CHECKING:
    from app.ui.theme import Colors
    from app.wallet.service import WalletService

Spawn = Callable[[Coroutine[Any, Any, Any], str], asyncio.Task[Any]]


@dataclass(frozen=True)
class PasswordProblem:
    text: str
    wait_s: float = 0.0  # > 0: try again after this many seconds
    fatal: bool = False  # the keystore is unusable: no retry


def describe_password_error(exc: Exception) -> PasswordProblem | None:
    """What to tell the person about a failed unlock/reveal; None for an error we do not expect."""
    from app.wallet.keystore import KeystoreCorrupt, TooManyAttempts, WrongPassword

    if isinstance(exc, WrongPassword):
        return PasswordProblem("That password is not right. Check Caps Lock and try again.")
    if isinstance(exc, TooManyAttempts):
        return PasswordProblem("Too many wrong passwords.", wait_s=exc.wait_s)
    if isinstance(exc, KeystoreCorrupt):
        return PasswordProblem(
            f"Your wallet file cannot be read: {exc}. It has been left exactly as it is; Sahara never "
            "overwrites it. Restore the file from a backup, or recover the wallet elsewhere from your "
            "recovery phrase.",
            fatal=True,
        )
    if isinstance(exc, FileNotFoundError):
        return PasswordProblem("The wallet file is gone from the data folder.", fatal=True)
    return None


class PasswordPrompt(QWidget):
    """A password field with an error line and a countdown for rate-limited retries; the dialogs
    that ask for the password (unlock, reveal phrase) embed it."""

    def __init__(self, action: str) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.field = QLineEdit()
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setPlaceholderText("Wallet password")
        self.field.setAccessibleName("Wallet password")
        column.addWidget(self.field)
        self.error = StatusText()
        column.addWidget(self.error)
        self.button = QPushButton(action)
        self.button.setProperty("primary", True)
        self.button.setDefault(True)
        self.fatal = False
        self._wait_until = 0.0
        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self._tick)

    def show_problem(self, problem: PasswordProblem) -> None:
        self.fatal = problem.fatal
        if problem.wait_s > 0:
            self._wait_until = asyncio.get_running_loop().time() + problem.wait_s
            self._countdown.start()
            self._tick()
        else:
            self.error.set_error(problem.text)
        self.button.setEnabled(not problem.fatal and problem.wait_s <= 0)
        self.field.setEnabled(not problem.fatal)
        self.field.selectAll()
        self.field.setFocus()

    def _tick(self) -> None:
        left = math.ceil(self._wait_until - asyncio.get_running_loop().time())
        if left <= 0:
            self._countdown.stop()
            self.error.set_hint("You can try again now.")
            self.button.setEnabled(True)
            return
        self.error.set_error(f"Too many wrong passwords. Try again in {left} s.")
        self.button.setEnabled(False)

    @property
    def waiting(self) -> bool:
        return self._countdown.isActive()

    def set_busy(self, busy: bool, text: str) -> None:
        self.button.setEnabled(not busy and not self.fatal and not self.waiting)
        self.field.setEnabled(not busy and not self.fatal)
        if busy:
            self.error.set_hint(text)


class UnlockDialog(QDialog):
    def __init__(
        self, wallet: WalletService, spawn: Spawn, colors: Colors, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unlock wallet")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(420)
        self._wallet = wallet
        self._spawn = spawn
        self._task: asyncio.Task[None] | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 22, 24, 20)
        column.setSpacing(10)
        title, body = heading(
            "Unlock your wallet", "Enter the password you chose for this wallet to sign transactions."
        )
        column.addWidget(title)
        column.addWidget(body)
        column.addSpacing(6)
        self.prompt = PasswordPrompt("Unlock")
        column.addWidget(self.prompt)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        column.addSpacing(6)
        column.addLayout(button_row(self.cancel_button, self.prompt.button))
        self.prompt.button.clicked.connect(self.unlock)
        self.prompt.field.returnPressed.connect(self.unlock)
        self.prompt.field.setFocus()

    def unlock(self) -> None:
        if self._task is not None and not self._task.done():
            return
        if not self.prompt.button.isEnabled() or not self.prompt.field.text():
            return
        self.prompt.set_busy(True, "Unlocking…")  # at once, so a second Enter does not queue a retry
        self._task = self._spawn(self._unlock(self.prompt.field.text()), "wallet-unlock")

    async def _unlock(self, password: str) -> None:
        try:
            await asyncio.to_thread(self._wallet.unlock, password)
        except Exception as exc:
            problem = describe_password_error(exc)
            if problem is None:
                self.prompt.set_busy(False, "")
                raise
            self.prompt.set_busy(False, "")
            self.prompt.show_problem(problem)
            return
        self.accept()

    def reject(self) -> None:
        if self._task is not None and not self._task.done():
            return  # scrypt is running; it finishes in about a second
        super().reject()
