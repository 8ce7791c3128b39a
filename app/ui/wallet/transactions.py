"""The wallet controller's transaction actions: the approval callback shown before every signature,
Send and Receive, speed-up and cancel of a pending transaction, and the devnet faucet. A part of
``WalletController`` (a mixin), kept apart so each file holds one concern; it runs its chain work
as the controller's operations."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.ui.operations import Op, Operations, message_of

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QWidget

    from app.db.models import OutboxTx
    from app.runtime import AppRuntime, NetworkStatus
    from app.ui.theme import Colors
    from app.wallet.keystore import AccountEntry
    from app.wallet.service import WalletService
    from app.wallet.tx_summary import TxSummary

FAUCET_WAIT_S = 90.0


class WalletTransactions:
    """``WalletController``'s transaction actions; what they use of it is declared for the type checker."""

    if TYPE_CHECKING:
        runtime: AppRuntime
        wallet: WalletService | None
        network: NetworkStatus | None
        colors: Colors
        ops: Operations
        notice: SignalInstance
        last_confirm: QWidget | None
        _network_ready: asyncio.Event
        window: Callable[[], QWidget | None]

        def active(self) -> AccountEntry | None: ...
        def request_unlock(self, then: Callable[[], None] | None = None) -> None: ...
        def refresh_balances(self) -> None: ...
        def network_name(self) -> str | None: ...
        def tokens(self) -> dict[str, Any]: ...

    async def wait_for_outbox(self, timeout: float = FAUCET_WAIT_S) -> Any:
        if getattr(self.runtime, "outbox", None) is None:
            async with asyncio.timeout(timeout):
                await self._network_ready.wait()
        return self.runtime.outbox

    async def approve(self, summary: TxSummary) -> bool:
        """The approval callback the outbox flow is given: a confirmation dialog, Confirm or Reject."""
        from PySide6.QtWidgets import QDialog

        from app.ui.wallet.confirm_dialog import ConfirmTxDialog
        from app.ui.widgets.dialogs import dialog_result

        dialog = ConfirmTxDialog(summary, self.colors, self.window())
        self.last_confirm = dialog
        return await dialog_result(dialog) == QDialog.DialogCode.Accepted

    def signer(self) -> Any:
        assert self.wallet is not None
        return self.wallet.signer()

    def open_send(self) -> None:
        from app.ui.wallet.send_dialog import SendDialog

        def show() -> None:
            dialog = SendDialog(self, self.window())
            dialog.open()

        self.request_unlock(show)

    def open_receive(self) -> None:
        from app.ui.wallet.receive_dialog import ReceiveDialog

        account = self.active()
        if account is not None:
            ReceiveDialog(account, self.network, self.colors, self.window()).open()

    def replace_tx(self, tx_id: int, *, cancel: bool) -> None:
        def replaced(row: OutboxTx | None) -> None:
            if row is not None:
                self.notice.emit("Cancel sent." if cancel else "Sped up: sent again with a higher fee.")

        async def work(_say: object) -> OutboxTx | None:
            return await self._replace(tx_id, cancel)

        def start() -> None:
            self.ops.run(Op(f"replace-{tx_id}", work, success=replaced, failure=self.notice.emit))

        self.request_unlock(start)

    async def _replace(self, tx_id: int, cancel: bool) -> OutboxTx | None:
        from app.wallet.tx_summary import replace_approved

        return await replace_approved(
            self.runtime.outbox, tx_id, self.signer, self.approve, cancel=cancel,
            network_name=self.network_name(), tokens=self.tokens(),
        )  # fmt: skip

    # -- faucet ----------------------------------------------------------------------------------

    async def fund(self, address: str, progress: Callable[[str], None] = lambda _t: None) -> list[OutboxTx]:
        """Devnet: test ETH (and SAHARA once the contracts are deployed) to ``address`` through the
        outbox, awaited until mined."""
        from app.runtime import NetworkError

        if getattr(self.runtime, "outbox", None) is None:
            progress("Waiting for the local devnet to start…")
        try:
            outbox = await self.wait_for_outbox()
        except TimeoutError:
            raise NetworkError("The network did not come up; try the Faucet button later.") from None
        progress("Asking the devnet faucet for 10 test ETH…")
        rows = await self.runtime.faucet(address)
        progress("Waiting for the transaction to be mined…")
        settled = [await outbox.wait(row.id, timeout=60) for row in rows]
        self.refresh_balances()
        failed = next((row for row in settled if row.status != "mined"), None)
        if failed is not None:
            raise NetworkError(failed.error or f"The faucet transaction ended {failed.status}.")
        return settled

    def faucet(self) -> None:
        account = self.active()
        if account is not None:
            self.ops.run(
                Op("faucet", lambda _say: self.fund(account.address), busy="Faucet: sending 10 test ETH…",
                   progress=self._status_line,
                   success=lambda _rows: self.notice.emit("Faucet: 10 test ETH arrived."),
                   failure=lambda why: self.notice.emit(f"Faucet: {why}"))
            )  # fmt: skip

    def _status_line(self, line: str | None) -> None:
        if line is not None:
            self.notice.emit(line)


def in_words(exc: BaseException) -> str:
    """The wallet's failures for the status bar (a timeout says nothing by itself)."""
    if isinstance(exc, TimeoutError) and not str(exc):
        return "timed out"
    return message_of(exc)
