"""``RememberedPassword``: "Remember on this computer" as the window sees it.

Whether the operating system's keychain holds the wallet password (asked in a thread at start, and
again once a wallet is created), the silent unlock with it, and the Settings switch: on stores the
password after ``RememberDialog`` has checked it, off deletes it. The keychain itself is
``app.wallet.remember``; the controller forwards the Settings page's reads and the switch here.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from app.ui.operations import Op

if TYPE_CHECKING:
    from app.ui.wallet.controller import WalletController


class RememberedPassword:
    def __init__(self, controller: WalletController) -> None:
        self._controller = controller
        self.on: bool | None = None  # None until the keychain has been asked
        self.unavailable: str | None = None  # why there is no keychain to use, if there is none
        self.asked = False  # the keychain has been asked (or is being asked) since the start
        self._opening: asyncio.Task[None] | None = None  # the wallet being opened, if it is

    def start(self, opening: asyncio.Task[None] | None) -> None:
        """Ask the keychain once the wallet is open (``opening``), the first time only."""
        if not self.asked:
            self._opening = opening
            self._ask()

    def wallet_created(self) -> None:
        """Ask again: at start there was no wallet whose password could be remembered."""
        if self.asked and not self.asking:
            self._ask()

    @property
    def asking(self) -> bool:
        return self._controller.ops.busy("keychain")

    def _ask(self) -> None:
        self.asked = True
        emit = self._controller.changed.emit  # the Settings switch shows the answer, whatever it is
        self._controller.ops.run(
            Op(
                "keychain",
                lambda _say: self._unlock(),
                success=lambda _none: emit(),
                failure=lambda _why: emit(),
            )
        )

    async def _unlock(self) -> None:
        """Ask the keychain whether the password is remembered; if so and locked, unlock silently.
        A remembered password that no longer works is deleted, and the user is asked as usual."""
        controller = self._controller
        if self._opening is not None:  # eth-account is imported in a thread: importing it here too would race
            await self._opening  # an operation: it ends without raising, its failure already said
        wallet = controller.wallet
        if wallet is None or controller.state == "none":
            return  # asked again once a wallet is created (``wallet_created``)
        from app.wallet import remember
        from app.wallet.keystore import WrongPassword

        def ask_keychain() -> tuple[str | None, str | None]:
            reason = remember.unavailable_reason()
            return reason, None if reason else remember.recall(wallet.keystore.file)

        self.unavailable, password = await asyncio.to_thread(ask_keychain)
        self.on = password is not None
        if password is not None and controller.state == "locked":
            try:
                await asyncio.to_thread(wallet.unlock, password)
            except WrongPassword:
                await asyncio.to_thread(remember.forget, wallet.keystore.file)
                self.on = False
                controller.notice.emit(
                    "The remembered password no longer works and was removed; unlock as usual."
                )
            else:  # another failure (rate-limited, unreadable keystore) is logged; Unlock says why later
                controller.notice.emit("Wallet unlocked with the password remembered on this computer.")

    def set(self, on: bool) -> None:
        """The Settings switch: on asks for the password first; off deletes it from the keychain."""
        controller = self._controller
        wallet = controller.wallet
        if wallet is None or controller.state in ("none", "loading") or self.unavailable:
            return
        if on:
            from app.ui.wallet.remember_dialog import RememberDialog

            dialog = RememberDialog(wallet, controller.window())
            dialog.finished.connect(lambda result: self._stored(bool(result)))
            dialog.open()
        else:
            controller.ops.run(Op("forget", lambda _say: self._forget()))

    def _stored(self, on: bool) -> None:
        self.on = on
        if on:
            self._controller.notice.emit("Sahara now unlocks the wallet by itself on this computer.")
        self._controller.changed.emit()

    async def _forget(self) -> None:
        from app.wallet import remember

        controller = self._controller
        assert controller.wallet is not None
        try:
            await asyncio.to_thread(remember.forget, controller.wallet.keystore.file)
        except remember.RememberError as exc:
            controller.notice.emit(str(exc))
        else:
            self.on = False
            controller.notice.emit("The password is no longer remembered on this computer.")
        controller.changed.emit()
