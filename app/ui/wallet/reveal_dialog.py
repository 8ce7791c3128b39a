"""``RevealPhraseDialog``: the recovery phrase again, only after the password, even when unlocked.

The words are shown in a grid that cannot be selected; the only way to the clipboard is Copy, with
a warning, through ``SecretClipboard`` (cleared after 30 s). Closing the dialog deletes the words.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from app.ui.icons import glyph
from app.ui.wallet.common import StatusText, WordGrid, button_row, grow_to_fit, heading
from app.ui.wallet.unlock_dialog import PasswordProblem, PasswordPrompt, Spawn, describe_password_error
from app.ui.widgets import Card, styled_label

if TYPE_CHECKING:
    from app.ui.theme import Colors
    from app.ui.wallet.clipboard import SecretClipboard
    from app.wallet.service import WalletService


class RevealPhraseDialog(QDialog):
    def __init__(
        self,
        wallet: WalletService,
        spawn: Spawn,
        clipboard: SecretClipboard,
        colors: Colors,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recovery phrase")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(520)
        self._wallet, self._spawn, self._clipboard = wallet, spawn, clipboard
        self._task: asyncio.Task[None] | None = None
        self._phrase: str | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 22, 24, 20)
        column.setSpacing(12)
        title, body = heading(
            "Show your recovery phrase",
            "Anyone who sees these words can take everything in this wallet. Make sure no one is watching "
            "your screen.",
        )
        column.addWidget(title)
        column.addWidget(body)
        self.stack = QStackedWidget()
        column.addWidget(self.stack)

        ask = QWidget()
        ask_column = QVBoxLayout(ask)
        ask_column.setContentsMargins(0, 0, 0, 0)
        self.prompt = PasswordPrompt("Show phrase")
        ask_column.addWidget(self.prompt)
        self.stack.addWidget(ask)

        shown = QWidget()
        shown_column = QVBoxLayout(shown)
        shown_column.setContentsMargins(0, 0, 0, 0)
        shown_column.setSpacing(10)
        card = Card(padding=18, spacing=0)
        self.grid = WordGrid(columns=3)
        card.body.addWidget(self.grid)
        shown_column.addWidget(card)
        copy_row = QHBoxLayout()
        self.copy_button = QPushButton("Copy")
        self.copy_button.setAutoDefault(False)
        self.copy_button.setIcon(glyph("copy", colors.muted))
        self.copy_button.clicked.connect(self._copy)
        copy_row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        self.copy_note = styled_label(
            "Copying is risky: other apps can read the clipboard. Sahara clears it after 30 seconds.",
            "hint",
            wrap=True,
        )
        copy_row.addWidget(self.copy_note, 1)
        shown_column.addLayout(copy_row)
        self.stack.addWidget(shown)

        self.status = StatusText()
        column.addWidget(self.status)
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        column.addLayout(button_row(self.close_button, self.prompt.button))
        self.prompt.button.clicked.connect(self.reveal)
        self.prompt.field.returnPressed.connect(self.reveal)
        self.prompt.field.setFocus()

    def reveal(self) -> None:
        if self._task is not None and not self._task.done():
            return
        if not self.prompt.button.isEnabled() or not self.prompt.field.text():
            return
        self.prompt.set_busy(True, "Checking the password…")
        self._task = self._spawn(self._reveal(self.prompt.field.text()), "wallet-reveal")

    async def _reveal(self, password: str) -> None:
        try:
            phrase = await asyncio.to_thread(self._wallet.reveal_mnemonic, password)
        except Exception as exc:
            problem = describe_password_error(exc)
            if problem is None and type(exc) is ValueError:  # a wallet from a private key has no phrase
                problem = PasswordProblem(str(exc), fatal=True)
            self.prompt.set_busy(False, "")
            if problem is None:
                raise
            self.prompt.show_problem(problem)
            return
        self._phrase = phrase
        self.prompt.field.clear()
        self.prompt.button.hide()
        self.grid.set_words(phrase.split())
        self.stack.setCurrentIndex(1)
        self.close_button.setDefault(True)
        grow_to_fit(self)

    def _copy(self) -> None:
        if self._phrase is not None:
            self._clipboard.copy(self._phrase)
            self.copy_note.setText("Copied. The clipboard is cleared in 30 seconds; paste it nowhere online.")

    def done(self, result: int) -> None:
        self._phrase = None
        self.grid.set_words([])
        super().done(result)
