"""``WalletController``: the wallet session as the window sees it, and every wallet action.

It owns no wallet state of its own: ``WalletService`` says whether a wallet exists and is unlocked,
the outbox holds the transactions. The controller adapts their events to signals (``changed``,
``tx_changed``), runs the slow parts as tasks (scrypt in a thread, chain calls on the loop), opens
the dialogs, and hands the outbox an approval callback that shows ``ConfirmTxDialog`` before every
signature. The Wallet page, the Settings page and the status bar only read from it and call it.

eth-account takes ~0.5 s to import, so the wallet is opened after the first paint: at once if it is
already imported, else in a worker thread once the event loop runs (``state`` is "loading" meanwhile).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.operations import Op, Operations
from app.ui.qt_events import relay
from app.ui.wallet.activity import ActivityFilter
from app.ui.wallet.clipboard import SecretClipboard
from app.ui.wallet.remembered import RememberedPassword
from app.ui.wallet.transactions import WalletTransactions, in_words

if TYPE_CHECKING:
    from app.db.models import OutboxTx
    from app.runtime import AppRuntime, NetworkStatus
    from app.ui.theme import Colors
    from app.wallet.keystore import AccountEntry
    from app.wallet.service import WalletService

State = Literal["loading", "none", "locked", "unlocked"]
AUTO_LOCK_CHECK_MS = 5_000
BALANCE_EVERY_S = 10.0  # balances follow new blocks at most this often (our own txs: at once)


class WalletController(WalletTransactions, QObject):
    changed = Signal()  # exists / locked / accounts / active account
    tx_changed = Signal(object)  # OutboxTx
    outbox_changed = Signal()  # the outbox went offline or back online
    network_changed = Signal()  # ready, online, offline
    balances_changed = Signal()
    page_requested = Signal()  # show the Wallet page
    notice = Signal(str)  # a short message for the status bar

    def __init__(
        self,
        runtime: AppRuntime,
        colors: Colors,
        *,
        window: Callable[[], QWidget | None] = lambda: None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.ops = Operations(name="wallet", describe=in_words, parent=self)
        self.colors = colors
        self.window = window
        self.wallet: WalletService | None = None
        self.network: NetworkStatus | None = None
        self.online = False
        self.balances: dict[str, int | None] = {}
        self.sahara: dict[str, int] = {}  # SAHARA balances, once the contracts are deployed
        self.balance_error = ""
        self._watched: set[int] = set()  # the wallet and outbox objects whose events reach us
        self.clipboard = SecretClipboard(parent=self)
        self.activity = ActivityFilter(self._on_activity, self)
        self.auto_lock = QTimer(self)
        self.auto_lock.setInterval(AUTO_LOCK_CHECK_MS)
        self.auto_lock.timeout.connect(self.check_idle)
        self._network_ready = asyncio.Event()
        self._balances_at = -BALANCE_EVERY_S
        self._loading: asyncio.Task[None] | None = None
        self.last_confirm: QWidget | None = None  # the open confirmation dialog (tests look at it)
        self.keychain = RememberedPassword(self)
        if "app.wallet.service" in sys.modules:  # cheap now: open it before the first render
            self._open_wallet()

    # -- opening ---------------------------------------------------------------------------------

    def start(self) -> None:
        """On the running loop, after first paint: open the wallet, watch activity, auto-lock."""
        if self.wallet is None and self._loading is None:
            self._loading = self.ops.run(Op("open", lambda _say: self._load(), failure=self._not_opened))
        self.keychain.start(self._loading)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.activity)
        self.auto_lock.start()

    def _not_opened(self, why: str) -> None:
        self.notice.emit(f"The wallet did not open: {why}")

    async def _load(self) -> None:
        import importlib

        await asyncio.to_thread(importlib.import_module, "app.wallet.service")
        self._open_wallet()

    def _open_wallet(self) -> None:
        self.wallet = self.runtime.wallet
        if id(self.wallet) not in self._watched:
            self._watched.add(id(self.wallet))
            relay(self.wallet.events, "lock_changed", lambda _unlocked: self.changed.emit(), self)
        self.changed.emit()
        self.refresh_balances()  # the network may have come up while the wallet was opening

    @property
    def state(self) -> State:
        wallet = self.wallet
        if wallet is None:
            return "loading"
        try:
            exists = wallet.exists
        except OSError:
            exists = False
        if not exists:
            return "none"
        return "unlocked" if wallet.unlocked else "locked"

    def accounts(self) -> list[AccountEntry]:
        from app.wallet.keystore import KeystoreCorrupt

        if self.wallet is None:
            return []
        try:
            return self.wallet.accounts()
        except KeystoreCorrupt:
            return []

    def active(self) -> AccountEntry | None:
        if self.wallet is None:
            return None
        accounts = self.accounts()
        return next((a for a in accounts if a.index == self.wallet.active_index), None)

    # -- the status bar's account area ------------------------------------------------------------

    def indicator(self) -> tuple[str, str, str]:
        """(text, tooltip, icon) for the status bar."""
        from app.wallet.tx_summary import short_address

        state = self.state
        if state == "loading":
            return "Wallet…", "Opening the wallet…", "wallet"
        if state == "none":
            return "No wallet yet", "Click to set up a wallet on the Wallet page.", "wallet"
        account = self.active()
        if state == "locked":
            who = f" ({account.name})" if account else ""
            return "Locked", f"The wallet{who} is locked. Click to unlock it.", "lock-simple"
        if account is None:
            return "Unlocked", "", "lock-simple-open"
        tip = f"{account.name} · {account.address}\nUnlocked: locks after {self._auto_lock_words()} idle."
        return f"{account.name} · {short_address(account.address)}", tip, "lock-simple-open"

    def _auto_lock_words(self) -> str:
        seconds = int(self.wallet.auto_lock_s) if self.wallet is not None else 0
        return f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"

    def indicator_clicked(self) -> None:
        if self.state == "locked":
            self.request_unlock()
        else:
            self.page_requested.emit()

    # -- lock ------------------------------------------------------------------------------------

    def _on_activity(self) -> None:
        if self.wallet is not None:
            self.wallet.touch()

    def check_idle(self) -> None:
        if self.wallet is not None and self.wallet.lock_if_idle():
            self.notice.emit("The wallet locked itself after a period without activity.")

    def lock(self) -> None:
        if self.wallet is not None:
            self.wallet.lock()

    def request_unlock(self, then: Callable[[], None] | None = None) -> None:
        """Show the unlock dialog; ``then`` runs once the wallet is unlocked."""
        if self.wallet is None:
            return
        if self.wallet.unlocked:
            if then is not None:
                then()
            return
        from app.ui.wallet.unlock_dialog import UnlockDialog

        dialog = UnlockDialog(self.wallet, self.colors, self.window())
        if then is not None:
            dialog.accepted.connect(then)
        dialog.open()

    def open_change_password(self) -> None:
        if self.state in ("none", "loading") or self.wallet is None:
            return
        from app.ui.wallet.password_dialog import ChangePasswordDialog

        def changed() -> None:
            self.notice.emit("Wallet password changed.")
            self.changed.emit()

        ChangePasswordDialog(self.wallet, self.window(), on_changed=changed).open()

    # -- "remember on this computer" (the Settings page reads these) ------------------------------

    @property
    def remembered(self) -> bool | None:
        return self.keychain.on

    @property
    def remember_unavailable(self) -> str | None:
        return self.keychain.unavailable

    def set_remembered(self, on: bool) -> None:
        self.keychain.set(on)

    # -- onboarding ------------------------------------------------------------------------------

    def open_onboarding(self, path: Literal["create", "import"] | None = None) -> None:
        if self.state != "none":
            self.page_requested.emit()
            return
        from app.ui.wallet.onboarding_dialog import OnboardingDialog

        dialog = OnboardingDialog(self, path, self.window())
        dialog.open()

    def wallet_created(self) -> None:
        self.keychain.wallet_created()
        self.changed.emit()
        self.refresh_balances()

    # -- network ---------------------------------------------------------------------------------

    def on_network_ready(self, status: NetworkStatus) -> None:
        self.network, self.online = status, True
        outbox = getattr(self.runtime, "outbox", None)
        if outbox is not None:
            if id(outbox) not in self._watched:  # it survives reconnects: normally once
                self._watched.add(id(outbox))
                relay(outbox.events, "tx_changed", self._on_tx, self)
                relay(outbox.events, "online_changed", lambda _online: self.outbox_changed.emit(), self)
            self._network_ready.set()
        self.network_changed.emit()
        self.refresh_balances()

    def on_network_state(self, _name: str, state: str, _detail: str) -> None:
        online = state == "online"
        if online != self.online:
            self.online = online
            self.network_changed.emit()
            if online:
                self.refresh_balances()

    @property
    def is_devnet(self) -> bool:
        from app.chain.devnet import DEVNET_CHAIN_ID

        return (
            self.network is not None
            and self.network.chain_id == DEVNET_CHAIN_ID
            and (self.runtime.settings.network().rpc_url is None)
        )

    def network_name(self) -> str | None:
        return self.network.name if self.network is not None else None

    # -- balances --------------------------------------------------------------------------------

    def on_block(self, _number: int) -> None:
        """A new block: ETH may have arrived from outside the app; refresh now and then."""
        if time.monotonic() - self._balances_at >= BALANCE_EVERY_S and self.state in ("locked", "unlocked"):
            self.refresh_balances()

    def refresh_balances(self) -> None:
        """Fetch balances in a task; before the event loop runs (the shell is built first) there is
        no network yet, and ``on_network_ready`` fetches them."""
        if self.wallet is None or self.ops.busy("balances"):
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._balances_at = time.monotonic()
        self.ops.run(Op("balances", lambda _say: self._fetch_balances()))

    async def _fetch_balances(self) -> None:
        from app.chain.client import ChainUnavailable
        from app.wallet.balances import read_balances

        client = getattr(self.runtime, "client", None)
        accounts = self.accounts()
        if client is None:
            self.balance_error = "Not connected to a network yet."
            self.balances_changed.emit()
            return
        try:
            read = await read_balances(client, [a.address for a in accounts], self.sahara_address())
        except ChainUnavailable as exc:
            self.balance_error = str(exc)
        else:
            for address, balance in read.items():
                self.balances[address] = balance.eth
                if balance.sahara is not None:
                    self.sahara[address] = balance.sahara
            self.balance_error = ""
        self.balances_changed.emit()

    def sahara_address(self) -> str | None:
        """The SaharaToken contract on this network, if the contracts are deployed."""
        deployment = getattr(self.runtime, "deployment", None)
        return deployment.addresses.get("SaharaToken") if deployment is not None else None

    def tokens(self) -> dict[str, Any]:
        """What the confirmation dialog knows about tokens: SAHARA, once deployed."""
        from app.wallet.tx_summary import Token

        token = self.sahara_address()
        return {token: Token("SAHARA", 18)} if token else {}

    # -- accounts --------------------------------------------------------------------------------

    def add_account(self) -> None:
        def add() -> None:
            assert self.wallet is not None
            try:
                entry = self.wallet.add_account()
            except ValueError as exc:  # a wallet imported from one private key has one account
                self.notice.emit(str(exc).capitalize().rstrip(".") + ".")
                return
            self.notice.emit(f"{entry.name} added.")
            self.changed.emit()
            self.refresh_balances()

        self.request_unlock(add)

    def rename(self, index: int, name: str) -> str | None:
        """Rename an account; returns a problem to show, or None."""
        if self.wallet is None:
            return "The wallet is not open."
        try:
            self.wallet.keystore.rename_account(index, name)
        except ValueError as exc:
            return str(exc)
        except OSError as exc:
            return f"Could not save the name: {exc}"
        self.changed.emit()
        return None

    def switch(self, index: int) -> None:
        if self.wallet is not None and self.wallet.active_index != index:
            self.wallet.active_index = index
            self.runtime.settings.active_account = index  # the next start opens on this account
            self.runtime.save_settings()
            self.changed.emit()

    # -- transactions ----------------------------------------------------------------------------

    def _on_tx(self, row: OutboxTx) -> None:
        self.tx_changed.emit(row)
        if row.status in ("mined", "failed"):
            self.refresh_balances()

    # -- secrets ---------------------------------------------------------------------------------

    def open_reveal(self) -> None:
        if self.state in ("none", "loading") or self.wallet is None:
            return
        from app.ui.wallet.reveal_dialog import RevealPhraseDialog

        RevealPhraseDialog(self.wallet, self.clipboard, self.colors, self.window()).open()

    def apply_colors(self, colors: Colors) -> None:
        self.colors = colors

    def dispose(self) -> None:
        """At quit: clear a phrase still on the clipboard, lock, stop watching input."""
        self.clipboard.clear_if_still_held()
        self.auto_lock.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.activity)
        self.lock()
