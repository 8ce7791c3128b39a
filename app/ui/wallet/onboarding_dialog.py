"""``OnboardingDialog``: renders the onboarding state machine, one step at a time.

Keyboard: Enter is Next (Shift+Enter makes a new line in the phrase box), Esc goes back a step or,
on the first step, cancels. Leaving a freshly shown phrase behind (back from it, or cancelling
after it was shown) asks first. The last step writes the keystore in a worker thread (scrypt) and,
on the devnet, funds the first account from the faucet with visible progress.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QMessageBox, QWidget

from app.ui.operations import Op
from app.ui.wallet.onboarding_steps import FinishStep, NetworkStep, PasswordStep, StartStep, network_choices
from app.ui.wallet.phrase_steps import ConfirmStep, ImportStep, WordsStep
from app.ui.wallet.phrase_widgets import PHRASE_COPIED
from app.ui.widgets.dialogs import OperationDialog
from app.ui.widgets.wizard import WizardFrame
from app.wallet.onboarding import (
    Onboarding,
    OnboardingError,
    Step,
)

if TYPE_CHECKING:
    from app.ui.wallet.controller import WalletController
    from app.wallet.keystore import AccountEntry

log = logging.getLogger(__name__)


class OnboardingDialog(OperationDialog):
    def __init__(
        self,
        controller: WalletController,
        path: Literal["create", "import"] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("wallet-onboarding", _describe, parent)
        self.controller = controller
        colors = controller.colors
        self.setWindowTitle("Set up your wallet")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumSize(600, 600)
        self.flow = Onboarding(
            network_choices(controller.runtime.settings),
            default_network=controller.runtime.settings.active_network,
        )
        self.confirm_box: QMessageBox | None = None
        self._closed = False
        self.account_address = ""

        self.start = StartStep(colors)
        self.words = WordsStep(colors)
        self.confirm = ConfirmStep()
        self.import_ = ImportStep(colors)
        self.password = PasswordStep()
        self.network = NetworkStep(self.flow.networks, self.flow.network)
        self.finish = FinishStep(colors)
        self.steps: dict[Step, QWidget] = {
            Step.START: self.start, Step.SHOW_WORDS: self.words, Step.CONFIRM_WORDS: self.confirm,
            Step.IMPORT: self.import_, Step.PASSWORD: self.password, Step.NETWORK: self.network,
            Step.FINISH: self.finish,
        }  # fmt: skip
        frame = WizardFrame(self, list(self.steps.values()), back="Back", next_="Next")
        self.progress, self.stack = frame.caption, frame.stack
        self.back_button, self.cancel_button = frame.back_button, frame.cancel_button
        self.next_button = frame.next_button

        self.back_button.clicked.connect(self.escape)
        self.cancel_button.clicked.connect(self.reject)
        self.next_button.clicked.connect(self.next)
        self.words.count_group.idClicked.connect(self._on_word_count)
        self.words.copy_button.clicked.connect(self._copy_words)
        self.words.written.toggled.connect(lambda _on: self._render())
        self.import_.submitted.connect(self.next)
        self.import_.kind_group.idClicked.connect(lambda _i: self._render())
        self.finish.retry.clicked.connect(self._retry_faucet)

        if path == "create":
            self.start.create.setChecked(True)
        elif path == "import":
            self.start.import_.setChecked(True)
        self._render()

    # -- rendering -------------------------------------------------------------------------------

    def _render(self) -> None:
        step = self.flow.step
        self.stack.setCurrentWidget(self.steps[step])
        total = 6 if self.flow.path != "import" else 5
        order = {
            Step.START: 1, Step.SHOW_WORDS: 2, Step.IMPORT: 2, Step.CONFIRM_WORDS: 3,
            Step.PASSWORD: total - 2, Step.NETWORK: total - 1, Step.FINISH: total,
        }  # fmt: skip
        kind = {"create": "NEW WALLET", "import": "IMPORT A WALLET"}.get(self.flow.path or "", "WALLET")
        self.progress.setText(f"{kind} · STEP {order[step]} OF {total}")
        self.back_button.setVisible(self.flow.can_go_back and step != Step.FINISH)
        self.cancel_button.setVisible(step != Step.FINISH)
        self.next_button.setText(
            {Step.NETWORK: "Create wallet", Step.FINISH: "Open wallet"}.get(step, "Next")
        )
        if step == Step.NETWORK and self.flow.path == "import":
            self.next_button.setText("Import wallet")
        enabled = True
        if step == Step.SHOW_WORDS:
            enabled = self.words.written.isChecked()
        elif step == Step.FINISH:
            enabled = self.flow.finished  # funding may go on after the dialog closes
        self.next_button.setEnabled(enabled)
        self._focus(step)

    def _focus(self, step: Step) -> None:
        target: QWidget | None = {
            Step.START: self.start.create if self.start.create.isChecked() else self.start.import_,
            Step.SHOW_WORDS: self.words.written,
            Step.IMPORT: self.import_.phrase if self.import_.kind == "phrase" else self.import_.key,
            Step.PASSWORD: self.password.password,
            Step.NETWORK: next(iter(b for b in self.network.buttons.values() if b.isChecked()), None),
            Step.FINISH: self.next_button,
        }.get(step)
        if step == Step.CONFIRM_WORDS and self.confirm.fields:
            target = next(iter(self.confirm.fields.values()))
        if target is not None:
            target.setFocus()

    # -- moving on -------------------------------------------------------------------------------

    def next(self) -> None:
        if not self.next_button.isEnabled():
            return
        step = self.flow.step
        try:
            if step == Step.START:
                if self.start.import_.isChecked():
                    self.flow.start_import()
                else:
                    self.flow.start_create(12 if self.words.twelve.isChecked() else 24)
                    self.words.grid.set_words(self.flow.words)
                    self.words.written.setChecked(False)
            elif step == Step.SHOW_WORDS:
                self.flow.acknowledge_written()
                self.confirm.ask(self.flow.challenge)
            elif step == Step.CONFIRM_WORDS:
                self._confirm_words()
            elif step == Step.IMPORT:
                self._import()
            elif step == Step.PASSWORD:
                self.flow.set_password(self.password.password.text(), self.password.repeat.text())
            elif step == Step.NETWORK:
                self.flow.choose_network(self.network.selected() or "")
                self._begin_finish()
            elif step == Step.FINISH:
                self.accept()
                return
        except OnboardingError as exc:
            self._show_error(step, str(exc))
            return
        self._render()

    def _confirm_words(self) -> None:
        problems = self.flow.check_words(self.confirm.answers())
        for position, error in self.confirm.errors.items():
            if position in problems:
                error.set_error(problems[position])
            else:
                error.set_ok("Correct.")
        if problems:
            self.confirm.fields[min(problems)].setFocus()
            self.confirm.fields[min(problems)].selectAll()
            raise OnboardingError("")  # shown per field above
        self.flow.confirm_words(self.confirm.answers())

    def _import(self) -> None:
        if self.import_.kind == "phrase":
            self.flow.import_phrase(self.import_.phrase.toPlainText())
        else:
            self.flow.import_private_key(self.import_.key.text())

    def _show_error(self, step: Step, message: str) -> None:
        if not message:
            return
        if step == Step.IMPORT:
            status = self.import_.phrase_status if self.import_.kind == "phrase" else self.import_.key_status
            status.set_error(message)
        elif step == Step.PASSWORD:
            self.password.error.set_error(message)
        elif step == Step.NETWORK:
            self.network.error.set_error(message)

    # -- going back and cancelling ---------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escape()
            return
        super().keyPressEvent(event)

    def escape(self) -> None:
        """Esc and Back: one step back; on the first step, cancel."""
        if self.flow.step == Step.FINISH or not self.flow.can_go_back:
            self.reject()
        elif self.flow.back_discards_words:
            self._ask(
                "Go back and discard these words?",
                "If you wrote them down, cross them out: a new phrase is made if you create a wallet again.",
                "Discard words",
                self._back,
            )
        else:
            self._back()

    def _back(self) -> None:
        self.flow.back()
        if self.flow.step == Step.START:
            self.words.grid.set_words([])
        self._render()

    def reject(self) -> None:
        """Cancel, the window's close button, and Esc on the first step."""
        if self.flow.step == Step.FINISH:
            if self.busy and not self.flow.finished:
                return  # the keystore is being written: it finishes in a second or two
            self.accept() if self.flow.finished else super().reject()
            return
        if self.flow.words_were_shown:
            self._ask(
                "Stop setting up your wallet?",
                "The recovery phrase you saw will not be saved. If you wrote it down, cross it out.",
                "Stop",
                self._close,
            )
            return
        self._close()

    def _close(self) -> None:
        self.flow.wipe()
        self.words.grid.set_words([])
        super().reject()

    def _ask(self, question: str, detail: str, yes: str, then: object) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Set up your wallet", question, parent=self)
        box.setInformativeText(detail)
        go = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton("Keep going", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)
        box.setEscapeButton(stay)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: then() if button is go else None)  # type: ignore[operator]
        self.confirm_box = box
        box.open()

    # -- live feedback ---------------------------------------------------------------------------

    def _on_word_count(self, index: int) -> None:
        self.flow.set_word_count(12 if index == 0 else 24)
        self.words.grid.set_words(self.flow.words)
        self.words.written.setChecked(False)

    def _copy_words(self) -> None:
        self.controller.clipboard.copy(" ".join(self.flow.words))
        self.words.copy_note.setText(PHRASE_COPIED)

    # -- finishing -------------------------------------------------------------------------------

    def _begin_finish(self) -> None:
        wallet = self.controller.wallet
        assert wallet is not None
        self.finish.fund.setVisible(self.flow.funds_on_finish)
        self.finish.encrypt.set_state("running")
        self._render()
        self.ops.run(
            Op("save", lambda _say: asyncio.to_thread(self.flow.finish, wallet), success=self._saved,
               failure=self._not_saved)
        )  # fmt: skip

    def _not_saved(self, reason: str) -> None:
        self.finish.encrypt.set_state("waiting")
        self.network.error.set_error(f"The wallet could not be saved: {reason}")
        self.flow.back()  # to where Create can be pressed again
        self._render()

    def _saved(self, account: AccountEntry) -> None:
        self.account_address = account.address
        self.controller.wallet_created()
        if self._closed:
            return
        self.finish.encrypt.set_state("done", "Wallet encrypted and saved on this computer")
        self.finish.title.setText("Your wallet is ready")
        self.finish.address.setText(f"{account.name}: {account.address}")
        self._switch_network_if_chosen()
        if self.flow.funds_on_finish:
            self._fund()
        else:
            self.finish.explanation.setText("Send funds to the address below to start using it.")
        self._render()

    def _switch_network_if_chosen(self) -> None:
        settings = self.controller.runtime.settings
        if self.flow.network != settings.active_network:
            settings.active_network = self.flow.network
            try:
                self.controller.runtime.save_settings()
            except OSError as exc:
                log.error("could not save the network choice: %s", exc)
            self.finish.explanation.setText(f"Sahara switches to {self.flow.network} when it next starts.")

    def _fund(self) -> None:
        """Fund through the controller: if the dialog is closed meanwhile, the drip goes on and the
        status bar reports how it ended."""
        self.finish.retry.hide()
        self.finish.error.set_hint("")
        self.finish.fund.set_state("running")
        self.finish.explanation.setText("Funding your first account with test ETH…")
        self._render()
        address = self.account_address
        self.ops.run(
            Op("fund", lambda say: self.controller.fund(address, say), progress=self._fund_progress,
               success=self._funded, failure=self._not_funded)
        )  # fmt: skip

    def _not_funded(self, reason: str) -> None:
        if self._closed:
            self.controller.notice.emit(f"Faucet: {reason}")
            return
        self.finish.fund.set_state("failed", "The faucet could not fund the account")
        self.finish.error.set_error(f"{reason} You can also use the Faucet button on the Wallet page.")
        self.finish.explanation.setText("Your wallet is saved; only the test ETH is missing.")
        self.finish.retry.show()
        self._render()

    def _funded(self, _result: object) -> None:
        if self._closed:
            self.controller.notice.emit("Faucet: 10 test ETH arrived.")
            return
        self.finish.fund.set_state("done", "Funded with 10 test ETH")
        self.finish.explanation.setText("You can start using Sahara now.")
        self._render()

    def _fund_progress(self, text: str | None) -> None:
        if text is not None and not self._closed:
            self.finish.fund.set_state("running", text)

    def done(self, result: int) -> None:
        self._closed = True
        super().done(result)

    def _retry_faucet(self) -> None:
        if not self.ops.busy("fund"):
            self._fund()


def _describe(exc: BaseException) -> str:
    """A save or a faucet that failed, in words (a timeout says nothing by itself)."""
    if isinstance(exc, TimeoutError) and not str(exc):
        return "The faucet did not answer in time."
    return str(exc) or type(exc).__name__
