"""Brings the active network up and follows its latest block, as Qt signals for the views.

The runtime does the work (start or attach to the devnet, check a custom RPC); this object only
sequences it on the asyncio loop and turns the outcome into three facts the status bar and the
Home page show: the state (starting / online / offline, with a reason), the network's identity,
and the latest block, polled about once a second.

The devnet watchdog reports deaths and restarts from its own thread. A restarted devnet listens on a
new port, so on a "restarted" report the monitor re-attaches through the services' ``connect`` (which
attaches to the running node rather than starting a second one) after a short debounce; a "failed"
report (the watchdog gave up) leaves it offline with a Retry for the user. Re-attaching is also
bounded here: a devnet that keeps dying never becomes an endless restart loop behind their back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from app.ui.operations import Op, Operations
from app.ui.qt_events import EventRelay, relay

if TYPE_CHECKING:
    from app.runtime import NetworkStatus
    from app.services import NetworkServices

log = logging.getLogger(__name__)

NetState = Literal["starting", "online", "offline"]


class BlockSource(Protocol):
    """What the monitor needs from a chain client (``app.chain.client.ChainClient`` fits)."""

    async def block_number(self) -> int: ...

    async def close(self) -> None: ...


ClientFactory = Callable[[str], BlockSource]

MAX_AUTO_REATTACH = 3  # automatic re-attaches allowed ...
REATTACH_WINDOW_S = 300.0  # ... within this many seconds; then the user decides (Retry)


def _default_client(rpc_url: str) -> BlockSource:
    # Imported here, not at module level: the client pulls in web3 lazily, after first paint.
    from app.chain.client import ChainClient

    return ChainClient(rpc_url)


class NetworkMonitor(QObject):
    """Starts the network once, then polls its block number until cancelled."""

    state_changed = Signal(str, str, str)  # network name, NetState, detail (the reason when offline)
    network_ready = Signal(object)  # NetworkStatus
    block_changed = Signal(int)
    devnet_message = Signal(str, str)  # kind ("died" / "restarted" / "failed"), message

    def __init__(
        self,
        services: NetworkServices,
        *,
        client_factory: ClientFactory | None = None,
        interval: float = 1.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        runtime = services.runtime
        self._runtime = runtime
        self.ops = Operations(name="network", describe=_in_words, parent=self)
        self._client_factory = client_factory or _default_client
        self._interval = interval
        self.name = runtime.settings.network().name
        self.state: NetState = "starting"
        self.detail = ""
        self.status: NetworkStatus | None = None
        self.block: int | None = None
        self.start_error: str | None = None
        self._reattach = QTimer(self)
        self._reattach.setSingleShot(True)
        self._reattach.setInterval(300)
        self._reattach.timeout.connect(self._auto_reattach)
        self._reattached_at: list[float] = []
        self._last_report = ""
        self._devnet_relay: EventRelay | None = None
        self.devnet_message.connect(self._on_devnet_message)

    def listen_to_devnet(self) -> None:
        """Follow the runtime's devnet reports (on the GUI thread, whichever thread saw them)."""
        if self._devnet_relay is None:
            self._devnet_relay = relay(self._runtime.events, "devnet", self.devnet_message.emit, self)

    def stop_listening(self) -> None:
        if self._devnet_relay is not None:
            self._devnet_relay.close()
            self._devnet_relay = None

    def _on_devnet_message(self, kind: str, message: str) -> None:
        log.info("devnet report (%s): %s", kind, message)
        self._last_report = message
        if kind == "restarted":
            self._reattach.start()
        elif kind == "failed":
            self._reattach.stop()
            self._go_offline(message)

    def _go_offline(self, reason: str) -> None:
        self.ops.cancel("connect")
        self.start_error = reason
        self._set_state("offline", reason)

    def _auto_reattach(self) -> None:
        now = time.monotonic()
        self._reattached_at = [t for t in self._reattached_at if now - t < REATTACH_WINDOW_S]
        if len(self._reattached_at) >= MAX_AUTO_REATTACH:
            self._go_offline(
                f"The devnet keeps stopping ({self._last_report}). Automatic reconnection is paused."
            )
            return
        self._reattached_at.append(now)
        self._spawn_run()

    @property
    def running(self) -> bool:
        return self.ops.busy("connect")

    def start(self) -> None:
        """Bring the network up and start polling; does nothing while already running."""
        if not self.running:
            self.ops.run(Op("connect", lambda _say: self._run(), failure=self._not_connected))

    def restart(self) -> None:
        """The user's Retry: re-attach from scratch, with a fresh budget of automatic re-attaches."""
        self._reattached_at.clear()
        self._spawn_run()

    def _spawn_run(self) -> None:
        self.ops.cancel("connect")
        self.ops.reset()  # the cancelled run's end must not free the key of the one started now
        self.start()

    def _set_state(self, state: NetState, detail: str = "") -> None:
        if (state, detail) != (self.state, self.detail):
            self.state, self.detail = state, detail
            self.state_changed.emit(self.name, state, detail)

    def _not_connected(self, reason: str) -> None:
        self.start_error = reason
        self._set_state("offline", reason)

    async def _run(self) -> None:
        self.start_error = None
        self._set_state("starting")
        status = await self._services.connect()
        self.status, self.name = status, status.name
        self.network_ready.emit(status)
        client = self._client_factory(status.rpc_url)
        try:
            await self._poll(client, status.rpc_url)
        finally:
            await client.close()

    async def _poll(self, client: BlockSource, rpc_url: str) -> None:
        while True:
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
                # that arrives just as the call completes, and the poll would outlive its task's cancel.
                async with asyncio.timeout(max(5.0, self._interval * 5)):
                    number = await client.block_number()
            except (ConnectionError, TimeoutError) as exc:  # ChainUnavailable is a ConnectionError
                self._set_state("offline", str(exc) or f"{rpc_url} did not answer in time")
            else:
                self._set_state("online", rpc_url)
                if number != self.block:
                    self.block = number
                    self.block_changed.emit(number)
            await asyncio.sleep(self._interval)


def _in_words(exc: BaseException) -> str:
    """Why the network is offline: the runtime's own words, or a bug said as one."""
    from app.runtime import NetworkError

    return str(exc) if isinstance(exc, NetworkError) else f"Unexpected error: {exc}"
