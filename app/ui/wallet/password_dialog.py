"""``ChangePasswordDialog``: current password, new password twice, and a strength hint.

The new password is checked as it is typed (at least 8 characters, both fields equal); the current
one by the keystore, with the unlock dialog's answers (wrong password, rate-limit countdown, corrupt
file). What was typed stays on an error. scrypt runs twice (check, re-encrypt), so the change runs in
a worker thread behind a busy bar, and the dialog cannot be closed halfway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from app.ui.operations import Op, message_of
from app.ui.wallet.onboarding_steps import StrengthMeter
from app.ui.wallet.password_prompt import PasswordProblem, PasswordPrompt, describe_password_error
from app.ui.widgets import styled_label
from app.ui.widgets.dialogs import OperationDialog, button_row, dialog_column
from app.ui.widgets.fields import StatusText, progress_bar, secret_field

if TYPE_CHECKING:
    from app.wallet.service import WalletService

MIN_PASSWORD = 8


class ChangePasswordDialog(OperationDialog):
    def __init__(
        self,
        wallet: WalletService,
        parent: QWidget | None = None,
        *,
        on_changed: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__("wallet-password", self._describe, parent)
        self._wallet, self._on_changed = wallet, on_changed
        column = dialog_column(
            self,
            "Change password",
            440,
            intro=(
                "Change the wallet password",
                "The new password encrypts this wallet's keys on this computer. Your recovery phrase stays "
                "the same.",
            ),
        )
        column.addSpacing(4)
        column.addWidget(styled_label("Current password", "hint"))
        self.current = PasswordPrompt("Change password")
        self.current.field.setPlaceholderText("Current password")
        self.current.field.setAccessibleName("Current password")
        column.addWidget(self.current)
        column.addWidget(styled_label("New password", "hint"))
        self.new = secret_field(f"New password (at least {MIN_PASSWORD} characters)")
        column.addWidget(self.new)
        self.meter = StrengthMeter()
        column.addWidget(self.meter)
        self.repeat = secret_field("Repeat the new password")
        column.addWidget(self.repeat)
        self.new_error = StatusText()
        column.addWidget(self.new_error)
        self.progress = progress_bar(0, 4)  # busy: scrypt gives no progress to report
        column.addWidget(self.progress)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        column.addSpacing(4)
        column.addLayout(button_row(self.cancel_button, self.current.button))
        self.current.button.clicked.connect(self.change)
        for field in (self.current.field, self.new, self.repeat):
            field.returnPressed.connect(self.change)
        self.new.textChanged.connect(self._on_new_typed)
        self.repeat.textChanged.connect(lambda _text: self.new_error.set_hint(""))
        self.current.field.setFocus()

    def _on_new_typed(self, text: str) -> None:
        from app.wallet.onboarding import password_strength

        strength = password_strength(text)
        self.meter.show_score(strength.score, f"{strength.label}. {strength.hint}".strip() if text else "")
        self.new_error.set_hint("")

    def problem(self) -> tuple[QLineEdit, str] | None:
        """What is wrong with the form before the keystore is asked: (field to fix, words)."""
        current, new = self.current.field.text(), self.new.text()
        if not current:
            return self.current.field, "Enter your current password."
        if len(new) < MIN_PASSWORD:
            return self.new, f"Use a new password of at least {MIN_PASSWORD} characters."
        if new != self.repeat.text():
            return self.repeat, "The two new passwords are not the same."
        if new == current:
            return self.new, "The new password is the same as the current one."
        return None

    def change(self) -> None:
        if self.busy:
            return
        if not self.current.button.isEnabled():
            return  # counting down, or the keystore cannot be read
        problem = self.problem()
        if problem is not None:
            field, text = problem
            if field is self.current.field:
                self.current.error.set_error(text)
            else:
                self.new_error.set_error(text)
            field.setFocus()
            return
        self._set_busy(True)  # at once: a second Enter finds the fields disabled
        old, new = self.current.field.text(), self.new.text()
        self.ops.run(
            Op("change", lambda _say: asyncio.to_thread(self._wallet.change_password, old, new),
               progress=self._progress, success=self._changed, failure=self._failed)
        )  # fmt: skip

    def _progress(self, line: str | None) -> None:
        self._set_busy(line is not None)

    def _set_busy(self, busy: bool) -> None:
        self.current.set_busy(busy, "Changing the password… this takes a few seconds.")
        self.new.setEnabled(not busy)
        self.repeat.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        if busy:
            self.new_error.set_hint("")

    def _describe(self, exc: BaseException) -> PasswordProblem | str:
        """A problem with the current password (said under it), or what is wrong with the new one
        or with saving (said under the new one)."""
        problem = describe_password_error(exc) if isinstance(exc, Exception) else None
        if problem is not None:
            return problem
        if type(exc) is ValueError:  # the keystore's own length rule
            return str(exc)
        if isinstance(exc, OSError):
            return f"The wallet file could not be saved: {exc}"
        return f"The password was not changed: {message_of(exc)}"

    def _failed(self, problem: PasswordProblem | str) -> None:
        if isinstance(problem, PasswordProblem):
            self.current.show_problem(problem)
            return
        self.new_error.set_error(problem)
        self.new.setFocus()

    def _changed(self, _none: None) -> None:
        self.accept()
        self._on_changed()
