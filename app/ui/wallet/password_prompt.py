"""Asking for the wallet password: the prompt, what each failure means in words, and the dialog that
checks a password in a worker thread (scrypt takes about a second) before it acts.

A wrong password says so (and keeps what was typed, selected, to retype over). After three wrong
ones the keystore imposes a growing wait; the prompt counts it down and re-enables its button at
zero. A keystore that cannot be read is reported with its path and left alone.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from app.ui.operations import Op, message_of
from app.ui.widgets.dialogs import OperationDialog
from app.ui.widgets.fields import StatusText, secret_field


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
    that ask for the password (unlock, reveal phrase, remember, change password) embed it."""

    def __init__(self, action: str) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.field = secret_field("Wallet password")
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


class PasswordCheckDialog(OperationDialog):
    """A dialog whose one job needs the password: its button (or Enter) runs ``check`` in a worker
    thread as an operation, a failure is shown in the prompt, and success goes to ``passed``.
    Subclasses lay out ``prompt`` and its button, and say what to check and what to do then."""

    task_name: str  # each dialog names its operation (the crash report shows it)
    busy_text = "Checking the password…"

    def __init__(self, action: str, parent: QWidget | None = None) -> None:
        super().__init__(self.task_name, self.describe, parent)
        self.prompt = PasswordPrompt(action)
        self.prompt.button.clicked.connect(self.submit)
        self.prompt.field.returnPressed.connect(self.submit)

    def submit(self) -> None:
        if self.busy:
            return
        if not self.prompt.button.isEnabled() or not self.prompt.field.text():
            return
        password = self.prompt.field.text()
        self.prompt.set_busy(True, self.busy_text)  # at once, so a second Enter does not queue a retry
        self.ops.run(
            Op("check", lambda _say: asyncio.to_thread(self.check, password), success=self.passed,
               failure=self._failed)
        )  # fmt: skip

    def _failed(self, problem: PasswordProblem) -> None:
        self.prompt.set_busy(False, "")
        self.prompt.show_problem(problem)

    def check(self, password: str) -> Any:
        """In a worker thread: use the password; raises what ``describe`` explains."""
        raise NotImplementedError

    def describe(self, exc: BaseException) -> PasswordProblem:
        """What the prompt says: a password problem, what makes the job impossible (no retry), or
        an error nobody expected, said as it is (the password may be tried again)."""
        problem = describe_password_error(exc) if isinstance(exc, Exception) else None
        if problem is None and isinstance(exc, Exception) and self.cannot_do(exc):
            problem = PasswordProblem(str(exc), fatal=True)
        return problem or PasswordProblem(f"That did not work: {message_of(exc)}")

    def cannot_do(self, exc: Exception) -> bool:
        """Whether ``exc`` (not a password problem) means this dialog's job cannot be done at all:
        then it is shown as it is and the prompt offers no retry."""
        return False

    def passed(self, result: Any) -> None:
        self.accept()
