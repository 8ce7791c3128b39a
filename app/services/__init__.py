"""The composition root: one network's services, built once, for the window, ``sahara serve`` and the CLI.

``AppRuntime`` opens what every process needs (folders, settings, database, the one chain client and
outbox, the contracts). ``NetworkServices`` builds, on top of it, everything that works against a
network's contracts and the blob store, and runs the long-lived ones:

- the outbox's service loop (broadcast, track, resume after a crash): started once, it survives
  reconnects and network switches (``Outbox`` follows the runtime's client);
- the market indexer (``app.market.catalog``), key delivery and auto-review: started when the
  contracts are known, restarted when they change (a network switch) or when the blob store does
  (Settings → Storage);
- the labeling service: ``labeling(signer)`` is the one place a ``LabelingService`` is built, and
  every one of them shares one TaskBoard reader, so its cache of chain logs is filled once;
- the GPU worker (``app.workers.compute_worker``): a ``ComputeProvider`` for the wallet's active
  account under the owner's rules, started with the other services when the owner turned it on
  (``settings.compute.enabled``, remembered) once the wallet is unlocked, stopped when the owner
  turns it off (not by the wallet's auto-lock: it keeps the account it started with, as
  ``sahara worker`` does); ``worker`` is the running one, ``worker_problem`` says why there is none.

Nothing here imports Qt: the window relays ``events`` to its widgets (``app.ui.qt_events``), the
headless commands log them. Events (all emitted on the loop):

- ``"status"`` (text): a one-line report for the status bar or the log (deploy progress, reviews);
- ``"contracts"`` (deployment or None, problem or None): the network's contracts were looked up;
- ``"labeling"`` (): the user's labeling service may have changed (contracts, store); read
  ``labeling_for_user()``;
- ``"market"`` (): the market indexer was (re)built: listen to ``market.events`` (assets, offers,
  licenses changed) from now on;
- ``"reviewed"`` (): an auto-review round decided batches: campaigns' escrow, slots and the
  labelers' earnings changed on chain;
- ``"worker"`` (): the GPU worker was started or stopped: listen to ``worker.events`` (state, rules,
  earnings) from now on, or show ``worker_problem``.
- ``"campaigns"`` (): new campaigns are on the board (the TaskBoard's index read their
  ``CampaignCreated`` logs, whoever created them), or a reorganisation removed some.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.events import Events
from app.runtime import NetworkError
from app.services.connecting import ConnectionServices
from app.services.worker import WAITING_FOR_NETWORK, WorkerServices

if TYPE_CHECKING:
    from app.chain.contracts import Deployment
    from app.labeling.board_index import BoardIndex
    from app.labeling.catalog import Board
    from app.labeling.demo import DemoCampaign
    from app.labeling.service import LabelingService
    from app.market.catalog.service import MarketIndexer
    from app.market.context import MarketContext
    from app.market.subgraph_source import SubgraphSource
    from app.runtime import AppRuntime
    from app.storage.store import BlobStore
    from app.workers.auto_review import AutoReviewer
    from app.workers.input_keys import InputKeyDelivery
    from app.workers.key_delivery import KeyDeliveryService

log = logging.getLogger(__name__)

DEVNET_CONFIRMATIONS = 0  # our own devnet does not reorganise
NETWORK_CONFIRMATIONS = 3


@dataclass(frozen=True)
class ServiceOptions:
    """How the long-lived services run; the window uses the defaults, ``sahara serve`` its flags."""

    interval_s: float = 5.0  # between passes of key delivery and auto-review
    outbox_interval_s: float = 1.0  # between the outbox's checks of what it sent
    board_index_s: float = 2.0  # between reads of the TaskBoard's new logs (new campaigns)
    accounts: Sequence[int] | None = None  # wallet accounts served (None: all)
    confirmations: int | None = None  # before a purchase is acted on (None: by network)
    demo_review: bool = True  # on the devnet, also review the demo requester's campaign
    worker_rules_s: float = 5.0  # between looks at the GPU worker's rules (idle time, battery, ...)


class NetworkServices(ConnectionServices, WorkerServices):
    """Builds and runs one network's services over an opened ``AppRuntime`` (connecting to the
    network is ``ConnectionServices``, in ``connecting.py``; the GPU worker's part is
    ``WorkerServices``, in ``worker.py``)."""

    def __init__(
        self,
        runtime: AppRuntime,
        open_store: Callable[[], BlobStore],
        options: ServiceOptions | None = None,
    ) -> None:
        self.runtime = runtime
        self.options = options or ServiceOptions()
        self.events = Events("status", "contracts", "labeling", "market", "reviewed", "campaigns", "worker")
        self._open_store = open_store
        self._store: BlobStore | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._outbox_task: asyncio.Task[None] | None = None
        self._running: list[asyncio.Task[Any]] = []  # key delivery, auto-review: restarted together
        self._chain: tuple[str, int] | None = None  # the network whose contracts were looked up
        self._board: tuple[tuple[int, int], Board] | None = None  # the TaskBoard reader and its log index
        self._followed: BoardIndex | None = None  # the index whose "campaigns" event is relayed
        # Built once per (client, …): a restarted devnet comes back on a new port with a new client.
        self._user: tuple[tuple[int, int, int, int], LabelingService] | None = None
        self._reviewers: tuple[tuple[int, ...], list[AutoReviewer]] | None = None
        self.delivery: KeyDeliveryService | None = None
        self.market: MarketIndexer | SubgraphSource | None = None  # the catalogue's source; pages listen
        self._init_worker()
        wallet_events = getattr(getattr(runtime, "wallet", None), "events", None)
        if wallet_events is not None:
            wallet_events.connect("lock_changed", self._on_lock_changed)

    # -- building --------------------------------------------------------------------------------

    @property
    def store(self) -> BlobStore:
        """The blob store the settings (or the command line) name, opened on first use."""
        if self._store is None:
            self._store = self._open_store()
        return self._store

    def _ready(self) -> Deployment:
        runtime = self.runtime
        deployment = getattr(runtime, "deployment", None)
        if runtime.client is None or runtime.outbox is None or runtime.sessions is None or deployment is None:
            raise NetworkError("The network and its contracts are not ready yet.")
        return deployment

    def labeling(self, signer: Any = None) -> LabelingService:
        """A labeling service signing as ``signer`` (default: the wallet's active account); a
        ``DemoRequester`` or an ``auto_review.WalletAccount`` is shaped like the wallet."""
        from app.chain.indexer import client_rpc
        from app.labeling.catalog import Board
        from app.labeling.service import LabelingService

        deployment = self._ready()
        runtime = self.runtime
        assert runtime.client is not None and runtime.outbox is not None and runtime.sessions is not None
        key = (id(runtime.client), id(deployment))
        if self._board is None or self._board[0] != key:  # one event cache for every signer
            self._board = (key, Board.indexed(client_rpc(runtime.client), deployment, runtime.sessions))
        return LabelingService(
            runtime.client, runtime.outbox, deployment, self.store, runtime.sessions,
            runtime.wallet if signer is None else signer, board=self._board[1],
        )  # fmt: skip

    def labeling_for_user(self) -> tuple[LabelingService | None, str]:
        """The active account's labeling service, or None and what is missing, in words. The same
        object comes back while the contracts, the store and the account stay the same."""
        if getattr(self.runtime, "deployment", None) is None:
            return None, "Labeling needs Sahara's contracts on this network."
        wallet = self.runtime.wallet
        if not wallet.exists:
            return None, "Set up a wallet to see campaigns and label for pay."
        if not wallet.unlocked:
            self._user = None  # what it opened with the keys goes with the lock
            return None, "Unlock your wallet to see campaigns and label for pay."
        key = (id(self.runtime.client), id(self.runtime.deployment), id(self.store), wallet.active_index)
        if self._user is None or self._user[0] != key:
            self._user = (key, self.labeling())
        return self._user[1], ""

    def reviewers(self) -> list[AutoReviewer]:
        """A reviewer per requester: the wallet's served accounts and, on the devnet when the
        options say so, the demo requester of ``sahara demo labeling``. Rebuilt only when the
        wallet's accounts or the chain client change."""
        from app.labeling.demo import DemoRequester
        from app.workers.auto_review import AutoReviewer, WalletAccount

        wallet, wanted = self.runtime.wallet, self.options.accounts
        indexes = tuple(e.index for e in wallet.accounts() if wanted is None or e.index in wanted)
        key = (id(self.runtime.client), *indexes)
        if self._reviewers is None or self._reviewers[0] != key:
            signers: list[Any] = [WalletAccount(wallet, index) for index in indexes]
            if self.options.demo_review and self.runtime.on_devnet:
                signers.append(DemoRequester())
            self._reviewers = (key, [AutoReviewer(self.labeling(signer)) for signer in signers])
        return self._reviewers[1]

    def _confirmations(self) -> int:
        if self.options.confirmations is not None:
            return self.options.confirmations
        return DEVNET_CONFIRMATIONS if self.runtime.on_devnet else NETWORK_CONFIRMATIONS

    def market_indexer(self) -> MarketIndexer | SubgraphSource:
        """The market catalogue's source over the current contracts and store: this app's indexer,
        or the network's subgraph when Settings → Network names one (``app.market.subgraph_source``)."""
        from app.services.catalogue import catalogue_source

        deployment, runtime = self._ready(), self.runtime
        assert runtime.sessions is not None
        return catalogue_source(
            runtime.settings.network(), runtime.sessions, deployment, self.store, self._confirmations(),
            client=runtime.client, interval_s=self.options.interval_s,
        )  # fmt: skip

    def market_context(self) -> MarketContext:
        """What the market's actions take (``app.market``: publishing, buying, licenses, earnings),
        signing as the wallet's active account, over the current contracts and store."""
        from app.market import subgraph_source
        from app.market.catalog import journal, service
        from app.market.context import MarketContext

        deployment, runtime = self._ready(), self.runtime
        assert runtime.client is not None and runtime.outbox is not None
        journal_of = None
        if runtime.sessions is not None:  # its events are read from the catalogue, whichever fills it
            source = subgraph_source if runtime.settings.network().subgraph_url else service
            stream = source.stream_of(deployment)
            journal_of = journal.Journal(runtime.sessions, deployment.chain_id, stream, deployment.block)
        return MarketContext(
            runtime.client, runtime.outbox, deployment, self.store, runtime.wallet, journal_of
        )

    def key_delivery(self) -> KeyDeliveryService:
        from app.workers.key_delivery import DeliveryConfig, KeyDeliveryService

        deployment, runtime = self._ready(), self.runtime
        assert runtime.sessions is not None and runtime.outbox is not None
        config = DeliveryConfig(interval_s=self.options.interval_s, confirmations=self._confirmations())
        return KeyDeliveryService(
            runtime.sessions, runtime.outbox, deployment, self.store, runtime.wallet,
            accounts=self.options.accounts, config=config,
        )  # fmt: skip

    def _input_keys(self) -> InputKeyDelivery:
        """Keys to the inputs of this wallet's sealed compute jobs, for the workers that took them."""
        from app.workers.input_keys import InputKeyDelivery

        deployment, runtime = self._ready(), self.runtime
        assert runtime.outbox is not None
        return InputKeyDelivery(
            runtime.outbox, deployment, self.store, runtime.wallet, accounts=self.options.accounts,
            interval_s=self.options.interval_s,
        )  # fmt: skip

    async def seed_demo(self, progress: Callable[[str, float], None] | None = None) -> DemoCampaign:
        """The devnet's demo digits campaign, created by the demo requester (or the open one)."""
        from app.labeling.demo import DemoRequester, seed_labeling_demo

        if not self.runtime.on_devnet:
            raise NetworkError("The labeling demo runs on the local devnet only (Settings → Network).")
        folder = self.runtime.paths.data / "demo" / "digits"
        return await seed_labeling_demo(self.labeling(DemoRequester()), folder, progress)

    # -- running ---------------------------------------------------------------------------------

    def start_outbox(self) -> None:
        """The outbox's service loop, once (it outlives reconnects)."""
        from app.workers.supervise import supervise

        outbox = self.runtime.outbox
        if outbox is not None and (self._outbox_task is None or self._outbox_task.done()):
            interval = self.options.outbox_interval_s
            self._outbox_task = self._spawn(supervise("outbox", lambda: outbox.run(interval)), "outbox")

    def start_services(self) -> None:
        """The market indexer, key delivery and auto-review against the current contracts and store,
        and the GPU worker when the owner turned it on."""
        from app.workers import auto_review
        from app.workers.supervise import supervise

        self.stop_services()
        self.delivery = delivery = self.key_delivery()
        self.market = market = self.market_indexer()
        say = self._reviewed
        self._running = [
            self._spawn(supervise("market indexer", market.run), "market-indexer"),
            self._spawn(supervise("key delivery", delivery.run), "key-delivery"),
            self._spawn(
                supervise(
                    "auto-review",
                    lambda: auto_review.run(self.reviewers, interval_s=self.options.interval_s, status=say),
                ),
                "auto-review",
            ),
        ]
        self._running.append(self._spawn(supervise("board index", self._follow_board), "board-index"))
        self._running.append(self._spawn(supervise("input keys", self._input_keys().run), "input-keys"))
        self.events.emit("labeling")
        self.events.emit("market")
        self.start_worker()

    async def _follow_board(self) -> None:
        """Keep the TaskBoard's index up to the head (``board_index.py``), and say "campaigns" when
        its logs show new ones, whoever read them in. The board is the current one on each pass:
        a reconnect builds another over the new client."""
        from app.labeling.board_index import BoardIndex

        while True:
            index = self.labeling().board.logs
            assert isinstance(index, BoardIndex), "the app's boards read their index"
            if index is not self._followed:
                self._followed = index
                index.events.connect("campaigns", self._campaigns_appeared)
            await index.sync()
            await asyncio.sleep(self.options.board_index_s)

    def _campaigns_appeared(self) -> None:
        self.events.emit("campaigns")

    def _reviewed(self, text: str) -> None:
        self._say(text)
        self.events.emit("reviewed")

    def _say(self, text: str) -> None:
        log.info("%s", text)
        self.events.emit("status", text)

    def stop_services(self) -> None:
        """Cancel the market indexer, key delivery and auto-review (their state is in the database:
        a restart resumes)."""
        for task in self._running:
            task.cancel()
        self._running.clear()
        self.stop_worker(WAITING_FOR_NETWORK)
        self.delivery = None
        self.market = None
        self._reviewers = None  # built again over the next contracts and store

    def storage_changed(self) -> None:
        """Settings → Storage changed: reopen the store; running services restart on it."""
        self._store = None
        self._reviewers = None
        if self._running:
            self.start_services()

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start ``coro``, held strongly until it ends; a crash is logged where it happens."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("service task %s failed", task.get_name(), exc_info=task.exception())

    async def aclose(self) -> None:
        """Stop every service (between steps: their state is in the database) and wait for them."""
        if self.worker is not None:
            worker, self.worker = self.worker, None
            await worker.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()
        self._outbox_task = None
