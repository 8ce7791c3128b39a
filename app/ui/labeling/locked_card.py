"""What the Label page shows while it has no chain service: why, and the one step that fixes it.

A locked wallet is unlocked right here (a password field and a button; the keystore's scrypt runs
in a worker thread, and its refusals are said as the unlock dialog says them), not on another
page; a missing wallet gets a "Set up wallet" button. Any other reason (the network
or its contracts not ready) is said in words with no button, since nothing here can fix it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton

from app.ui.operations import Op, Operations
from app.ui.pages.empty_state import EmptyStateCard
from app.ui.theme import Colors
from app.ui.wallet.password_prompt import describe_password_error
from app.ui.widgets import action_button, styled_label

NO_SERVICE = "Unlock your wallet to see campaigns"
NO_SERVICE_BODY = (
    "Campaigns, your batches and your earnings are read from the TaskBoard contract with your account, "
    "so this page needs an unlocked wallet and a network where Sahara's contracts are set up (the status "
    "bar shows the connection)."
)


class LockedCard(EmptyStateCard):
    setup_requested = Signal()  # no wallet yet: the shell opens the onboarding

    def __init__(self, colors: Colors, headline: str = NO_SERVICE, body: str = NO_SERVICE_BODY) -> None:
        super().__init__("tag", headline, body, colors)
        self.ops = Operations(name="label-unlock", describe=self._problem, parent=self)
        self._unlock: Callable[[str], None] | None = None
        row = QHBoxLayout()
        row.setSpacing(8)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Wallet password")
        self.password.setMaximumWidth(260)
        self.password.returnPressed.connect(self._submit)
        self.unlock_button: QPushButton = action_button("Unlock", self._submit, primary=True)
        self.setup_button: QPushButton = action_button(
            "Set up wallet", self.setup_requested.emit, primary=True
        )
        for widget in (self.password, self.unlock_button, self.setup_button):
            row.addWidget(widget)
        row.addStretch(1)
        self.text.addSpacing(8)
        self.text.addLayout(row)
        self.error = styled_label("", "error", wrap=True)
        self.text.addWidget(self.error)
        self.show_action(None)

    def follow_wallet(self, wallet: Any) -> None:
        """Follow the wallet controller: unlock here while it is locked, "Set up wallet" while
        there is none (the button opens its onboarding), no button otherwise."""

        def update() -> None:
            state = wallet.state
            service = wallet.wallet
            unlock = service.unlock if state == "locked" and service is not None else None
            action = "unlock" if unlock else "setup" if state == "none" else None
            self.show_action(action, unlock)

        self.setup_requested.connect(lambda: wallet.open_onboarding())
        wallet.changed.connect(update)
        update()

    def show_action(self, action: str | None, unlock: Callable[[str], None] | None = None) -> None:
        """``"unlock"`` (with ``unlock(password)``, which raises on a wrong one), ``"setup"``, or None."""
        self._unlock = unlock
        self.password.setVisible(action == "unlock")
        self.unlock_button.setVisible(action == "unlock")
        self.setup_button.setVisible(action == "setup")
        self.error.hide()
        self.password.clear()

    def showEvent(self, event: QShowEvent) -> None:
        """Shown with a locked wallet: the password field has the focus, so one can type at once."""
        super().showEvent(event)
        if self.password.isVisibleTo(self):  # after the page switch settles (the sidebar takes it first)
            QTimer.singleShot(0, self.password.setFocus)

    def _submit(self) -> None:
        if self._unlock is None or not self.unlock_button.isEnabled():
            return
        password = self.password.text()
        if not password:
            self._say("Enter your wallet password.")
            return
        unlock = self._unlock
        self.unlock_button.setEnabled(False)
        self.unlock_button.setText("Unlocking…")
        self.ops.run(
            Op(
                "unlock",
                lambda _say: asyncio.to_thread(unlock, password),
                success=self._unlocked,
                failure=self._refused,
            )
        )

    @staticmethod
    def _problem(exc: BaseException) -> str:
        """A wrong password, too many tries, an unreadable keystore: in the unlock dialog's words."""
        problem = describe_password_error(exc)
        return problem.text if problem is not None else f"The wallet could not be unlocked: {exc}"

    def _unlocked(self, _result: Any) -> None:
        """The wallet announces the unlock; the page takes its service and leaves this card."""
        self.password.clear()
        self.error.hide()
        self._ready()

    def _refused(self, why: str) -> None:
        self._say(why)
        self.password.selectAll()
        self._ready()

    def _ready(self) -> None:
        self.unlock_button.setEnabled(True)
        self.unlock_button.setText("Unlock")

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
