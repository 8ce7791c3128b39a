"""``RevealPhraseDialog``: the recovery phrase again, only after the password, even when unlocked.

The words are shown in a grid that cannot be selected; the only way to the clipboard is Copy, with
a warning, through ``SecretClipboard`` (cleared after 30 s). Closing the dialog deletes the words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QPushButton, QStackedWidget, QVBoxLayout, QWidget

from app.ui.wallet.password_prompt import PasswordCheckDialog
from app.ui.wallet.phrase_widgets import PHRASE_COPIED, WordGrid, phrase_copy_row
from app.ui.widgets import Card
from app.ui.widgets.dialogs import button_row, dialog_column
from app.ui.widgets.fields import grow_to_fit

if TYPE_CHECKING:
    from app.ui.theme import Colors
    from app.ui.wallet.clipboard import SecretClipboard
    from app.wallet.service import WalletService


class RevealPhraseDialog(PasswordCheckDialog):
    task_name = "wallet-reveal"

    def __init__(
        self,
        wallet: WalletService,
        clipboard: SecretClipboard,
        colors: Colors,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Show phrase", parent)
        self._wallet, self._clipboard = wallet, clipboard
        self._phrase: str | None = None
        column = dialog_column(
            self,
            "Recovery phrase",
            520,
            spacing=12,
            intro=(
                "Show your recovery phrase",
                "Anyone who sees these words can take everything in this wallet. Make sure no one is "
                "watching your screen.",
            ),
        )
        self.stack = QStackedWidget()
        column.addWidget(self.stack)

        ask = QWidget()
        ask_column = QVBoxLayout(ask)
        ask_column.setContentsMargins(0, 0, 0, 0)
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
        copy_row, self.copy_button, self.copy_note = phrase_copy_row(colors.muted)
        self.copy_button.clicked.connect(self._copy)
        shown_column.addLayout(copy_row)
        self.stack.addWidget(shown)

        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        column.addLayout(button_row(self.close_button, self.prompt.button))
        self.prompt.field.setFocus()

    def check(self, password: str) -> str:
        return self._wallet.reveal_mnemonic(password)

    def cannot_do(self, exc: Exception) -> bool:
        return type(exc) is ValueError  # a wallet from a private key has no phrase

    def passed(self, phrase: str) -> None:
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
            self.copy_note.setText(PHRASE_COPIED)

    def done(self, result: int) -> None:
        self._phrase = None
        self.grid.set_words([])
        super().done(result)
