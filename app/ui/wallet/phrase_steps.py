"""The onboarding's recovery-phrase steps: the new phrase to write down (12 or 24 words), the
check that it was written down, and importing a wallet from a phrase or a private key, checked as
it is typed. The rules are the state machine's (``app.wallet.onboarding``); these only show them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import glyph
from app.ui.wallet.phrase_widgets import WordGrid, phrase_copy_row
from app.ui.widgets import Card, styled_label
from app.ui.widgets.fields import StatusText, secret_field
from app.ui.widgets.segmented import segmented
from app.ui.widgets.wizard import Step
from app.wallet.onboarding import check_phrase

if TYPE_CHECKING:
    from app.ui.theme import Colors


class WordsStep(Step):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Write down your recovery phrase",
            "These words are the only way to get your wallet back if this computer is lost. Anyone who has "
            "them can take everything in it. Write them on paper, in order, and keep it safe.",
        )
        row, self.count_group, (self.twelve, self.twenty_four) = segmented(["12 words", "24 words"], self)
        row.addStretch(1)
        self.body.addLayout(row)
        card = Card(padding=18, spacing=0)
        self.grid = WordGrid(columns=3)
        card.body.addWidget(self.grid)
        self.body.addWidget(card)
        copy_row, self.copy_button, self.copy_note = phrase_copy_row(colors.muted)
        self.body.addLayout(copy_row)
        self.written = QCheckBox("I wrote these words down, in order.")
        self.body.addWidget(self.written)


class ConfirmStep(Step):
    def __init__(self) -> None:
        super().__init__(
            "Confirm your recovery phrase",
            "Type these words from what you wrote down, to be sure you have them right.",
        )
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(4)
        self.body.addLayout(self.grid)
        self.fields: dict[int, QLineEdit] = {}
        self.errors: dict[int, StatusText] = {}

    def ask(self, positions: tuple[int, ...]) -> None:
        for widget in [*self.fields.values(), *self.errors.values()]:
            widget.deleteLater()
        for label in self.findChildren(QLabel, "ConfirmLabel"):
            label.deleteLater()
        self.fields, self.errors = {}, {}
        for row, position in enumerate(positions):
            label = styled_label(f"Word #{position}", "muted")
            label.setObjectName("ConfirmLabel")
            field = QLineEdit()
            field.setAccessibleName(f"Word number {position}")
            field.setPlaceholderText(f"word #{position}")
            error = StatusText()
            self.grid.addWidget(label, row * 2, 0)
            self.grid.addWidget(field, row * 2, 1)
            self.grid.addWidget(error, row * 2 + 1, 1)
            label.setBuddy(field)
            self.fields[position], self.errors[position] = field, error

    def answers(self) -> dict[int, str]:
        return {position: field.text() for position, field in self.fields.items()}


class ImportStep(Step):
    submitted = Signal()  # Enter in the phrase box

    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Import a wallet",
            "Enter the recovery phrase of a wallet you already have. Phrases from MetaMask and other BIP-39 "
            "wallets give the same accounts here.",
        )
        row, self.kind_group, (self.phrase_tab, self.key_tab) = segmented(
            ["Recovery phrase", "Private key"], self
        )
        row.addStretch(1)
        self.body.addLayout(row)
        self.pages = QStackedWidget()
        phrase_page = QWidget()
        phrase_column = QVBoxLayout(phrase_page)
        phrase_column.setContentsMargins(0, 0, 0, 0)
        self.phrase = QPlainTextEdit()
        self.phrase.setPlaceholderText("12 to 24 words, separated by spaces")
        self.phrase.setAccessibleName("Recovery phrase")
        self.phrase.setTabChangesFocus(True)
        self.phrase.setMaximumHeight(110)
        phrase_column.addWidget(self.phrase)
        self.phrase_status = StatusText("Type or paste your 12 to 24 words, separated by spaces.")
        phrase_column.addWidget(self.phrase_status)
        phrase_column.addStretch(1)
        key_page = QWidget()
        key_column = QVBoxLayout(key_page)
        key_column.setContentsMargins(0, 0, 0, 0)
        key_row = QHBoxLayout()
        self.key = secret_field("64 hex characters, optionally starting with 0x", "Private key")
        key_row.addWidget(self.key, 1)
        self.show_key = QPushButton()
        self.show_key.setCheckable(True)
        self.show_key.setAutoDefault(False)
        self.show_key.setIcon(glyph("eye", colors.muted))
        self.show_key.setToolTip("Show the key")
        self.show_key.toggled.connect(
            lambda shown: self.key.setEchoMode(
                QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
            )
        )
        key_row.addWidget(self.show_key)
        key_column.addLayout(key_row)
        self.key_status = StatusText("A wallet imported from a private key has exactly one account.")
        key_column.addWidget(self.key_status)
        key_column.addStretch(1)
        self.pages.addWidget(phrase_page)
        self.pages.addWidget(key_page)
        self.body.addWidget(self.pages)
        self.kind_group.idClicked.connect(self.pages.setCurrentIndex)
        self.phrase.textChanged.connect(self._phrase_typed)
        self.phrase.installEventFilter(self)
        self.key.textChanged.connect(lambda: self.key_status.set_hint(""))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in the phrase box is Next (Shift+Enter makes a new line)."""
        if (
            watched is self.phrase
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.submitted.emit()
            return True
        return super().eventFilter(watched, event)

    def _phrase_typed(self) -> None:
        """Each key checks the phrase so far: a misspelt word is said at once, not at Next."""
        result = check_phrase(self.phrase.toPlainText())
        if result.ok:
            self.phrase_status.set_ok(result.message)
        elif result.error:
            self.phrase_status.set_error(result.message)
        else:
            self.phrase_status.set_hint(result.message)

    @property
    def kind(self) -> str:
        return "phrase" if self.pages.currentIndex() == 0 else "key"
