"""The widgets for the onboarding's start, password, network and finish steps (the recovery-phrase
steps are in ``phrase_steps``); ``OnboardingDialog`` moves between them and asks the state machine
(``app.wallet.onboarding``) whether an answer is good. No rules live here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import glyph
from app.ui.widgets import set_role, styled_label
from app.ui.widgets.fields import StatusText, secret_field
from app.ui.widgets.wizard import Step
from app.wallet.onboarding import NetworkChoice, password_strength

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
        self.password.textChanged.connect(self._typed)
        self.repeat.textChanged.connect(lambda: self.error.set_hint(""))

    def _typed(self, text: str) -> None:
        """The strength meter follows every key (the rule is ``password_strength``'s)."""
        strength = password_strength(text)
        self.meter.show_score(strength.score, f"{strength.label}. {strength.hint}".strip() if text else "")
        self.error.set_hint("")


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
