"""The widgets for each onboarding step; ``OnboardingDialog`` moves between them and asks the
state machine (``app.wallet.onboarding``) whether an answer is good. No rules live here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import glyph
from app.ui.wallet.phrase_widgets import WordGrid, phrase_copy_row
from app.ui.widgets import Card, set_role, styled_label
from app.ui.widgets.fields import StatusText, secret_field
from app.ui.widgets.segmented import segmented
from app.ui.widgets.wizard import Step
from app.wallet.onboarding import NetworkChoice

if TYPE_CHECKING:
    from app.settings import Settings
    from app.ui.theme import Colors


class OptionButton(QPushButton):
    """A large checkable choice: icon, title and one line of explanation."""

    def __init__(self, icon: str, title: str, body: str, colors: Colors) -> None:
        super().__init__()
        self.setCheckable(True)
        self.setAutoDefault(False)
        self.setProperty("role", "option")
        self.setAccessibleName(title)
        self.setAccessibleDescription(body)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 14, 16, 14)
        row.setSpacing(14)
        mark = QLabel()
        mark.setPixmap(glyph(icon, colors.accent).pixmap(QSize(26, 26), self.devicePixelRatioF()))
        mark.setFixedSize(QSize(40, 40))
        mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mark.setStyleSheet(f"background: {colors.accent_soft}; border-radius: 10px;")
        row.addWidget(mark)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(styled_label(title, "section"))
        text.addWidget(styled_label(body, "muted", wrap=True))
        row.addLayout(text, 1)
        for child in self.findChildren(QLabel):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # a QPushButton sizes itself by its text; this one has a layout
        return self.layout().sizeHint().expandedTo(QSize(0, 76))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()


class StartStep(Step):
    def __init__(self, colors: Colors) -> None:
        super().__init__(
            "Set up your wallet",
            "Your wallet holds the accounts you are paid to and pay from. Its keys stay on this computer, "
            "encrypted with your password.",
        )
        self.create = OptionButton(
            "plus-circle",
            "Create a new wallet",
            "Sahara makes a recovery phrase for you to write down.",
            colors,
        )
        self.import_ = OptionButton(
            "download-simple",
            "Import a wallet",
            "Use a recovery phrase you already have (MetaMask-compatible) or a private key.",
            colors,
        )
        self.group = QButtonGroup(self)
        self.group.addButton(self.create)
        self.group.addButton(self.import_)
        self.create.setChecked(True)
        self.body.addWidget(self.create)
        self.body.addWidget(self.import_)


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

    @property
    def kind(self) -> str:
        return "phrase" if self.pages.currentIndex() == 0 else "key"


class StrengthMeter(QWidget):
    """Four segments filled by the password's strength score, and its words."""

    def __init__(self) -> None:
        super().__init__()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        bars = QHBoxLayout()
        bars.setSpacing(4)
        self.segments: list[QFrame] = []
        for _ in range(4):
            segment = QFrame()
            segment.setFixedHeight(4)
            segment.setProperty("role", "meter")
            bars.addWidget(segment)
            self.segments.append(segment)
        column.addLayout(bars)
        self.label = styled_label("", "hint", wrap=True)
        column.addWidget(self.label)

    def show_score(self, score: int, text: str) -> None:
        level = {0: "meter", 1: "meter-weak", 2: "meter-fair", 3: "meter-good", 4: "meter-good"}[score]
        for index, segment in enumerate(self.segments):
            set_role(segment, level if index < max(score, 0) else "meter")
        self.label.setText(text)


class PasswordStep(Step):
    def __init__(self) -> None:
        super().__init__(
            "Choose a password",
            "It unlocks this wallet on this computer and encrypts its keys. It cannot be recovered; your "
            "recovery phrase can restore the wallet without it.",
        )
        self.password = secret_field("Password (at least 8 characters)", "Password")
        self.repeat = secret_field("Repeat the password")
        self.meter = StrengthMeter()
        self.error = StatusText()
        for widget in (self.password, self.meter, self.repeat, self.error):
            self.body.addWidget(widget)


class NetworkStep(Step):
    def __init__(self, choices: list[NetworkChoice], selected: str) -> None:
        super().__init__(
            "Choose a network",
            "Where this wallet sends its transactions. You can use the same wallet on any network later.",
        )
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for choice in choices:
            radio = QRadioButton(choice.label)
            radio.setEnabled(choice.available)
            radio.setChecked(choice.name == selected and choice.available)
            self.group.addButton(radio)
            self.buttons[choice.name] = radio
            self.body.addWidget(radio)
            if choice.note:
                note = styled_label(choice.note, "hint", wrap=True)
                note.setContentsMargins(26, 0, 0, 6)
                self.body.addWidget(note)
        self.error = StatusText()
        self.body.addWidget(self.error)

    def selected(self) -> str | None:
        return next((name for name, radio in self.buttons.items() if radio.isChecked()), None)


class ProgressLine(QWidget):
    """One line of the finishing step: an icon for waiting / running / done / failed, and text."""

    def __init__(self, text: str, colors: Colors) -> None:
        super().__init__()
        self._colors = colors
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        self.icon = QLabel()
        self.icon.setFixedSize(QSize(18, 18))
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        self.text = styled_label(text, wrap=True)
        row.addWidget(self.text, 1)
        self.state = "waiting"
        self.set_state("waiting")

    def set_state(self, state: str, text: str | None = None) -> None:
        self.state = state
        c = self._colors
        name, color = {
            "waiting": ("circle", c.faint),
            "running": ("hourglass", c.warning),
            "done": ("check-circle", c.success),
            "failed": ("x-circle", c.danger),
        }[state]
        self.icon.setPixmap(glyph(name, color).pixmap(QSize(18, 18), self.devicePixelRatioF()))
        if text is not None:
            self.text.setText(text)


class FinishStep(Step):
    def __init__(self, colors: Colors) -> None:
        super().__init__("Creating your wallet", "This takes a few seconds.")
        self.encrypt = ProgressLine("Encrypt the wallet with your password", colors)
        self.fund = ProgressLine("Fund the new account with 10 test ETH from the devnet faucet", colors)
        self.body.addWidget(self.encrypt)
        self.body.addWidget(self.fund)
        self.address = styled_label("", "mono", wrap=True)
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.address)
        self.error = StatusText()
        self.body.addWidget(self.error)
        self.retry = QPushButton("Try the faucet again")
        self.retry.setAutoDefault(False)
        self.retry.hide()
        self.body.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignLeft)


DEVNET_NOTE = "Runs on this computer. New accounts get free test ETH; nothing on it has real value."


def network_choices(settings: Settings) -> list[NetworkChoice]:
    """What the network step offers: every configured network, the devnet first as recommended."""
    choices = []
    for net in settings.networks:
        if net.rpc_url is None:
            choices.append(NetworkChoice(net.name, "Local devnet (recommended)", True, note=DEVNET_NOTE))
        else:
            later = (
                "" if net.name == settings.active_network else " Sahara switches to it when it next starts."
            )
            note = f"{net.rpc_url} · chain {net.chain_id}.{later}"
            choices.append(NetworkChoice(net.name, f"{net.name} (custom RPC)", False, note=note))
    if all(c.is_devnet for c in choices):
        choices.append(
            NetworkChoice(
                "custom",
                "A custom RPC network",
                False,
                available=False,
                note="Custom networks are configured in Settings; none is set up yet. Your wallet works on "
                "any network, so you can add one later.",
            )
        )
    return choices
