"""What the app opens at start, shared by the GUI and headless commands.

Start-up order matters and is the same everywhere: folders, settings (a corrupt file is moved
aside), database migrations (a failure leaves the file untouched and is reported, not fatal), then
the network. Keeping it here, free of Qt, lets tests and ``sahara serve`` run exactly what the
window runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine, session_factory
from app.db.migrate import MigrationError, upgrade
from app.events import Events
from app.paths import AppPaths
from app.settings import Settings, load_settings, save_settings

if TYPE_CHECKING:
    from app.chain.client import ChainClient
    from app.chain.contracts import Deployment
    from app.chain.devnet import Devnet, DevnetEvent
    from app.db.models import OutboxTx
    from app.wallet.outbox import Outbox
    from app.wallet.service import WalletService

log = logging.getLogger(__name__)


DeployProgress = Callable[[int, int, str], None]


class NetworkError(RuntimeError):
    """The active network cannot be used (unreachable, or its chain id is not the configured one)."""


@dataclass(frozen=True)
class NetworkStatus:
    name: str
    rpc_url: str
    chain_id: int


@dataclass
class AppRuntime:
    paths: AppPaths
    settings: Settings
    settings_warning: str | None = None
    db_error: str | None = None
    engine: Engine | None = None
    sessions: sessionmaker[Session] | None = None
    devnet: Devnet | None = None
    client: ChainClient | None = None
    outbox: Outbox | None = None
    deployment: Deployment | None = None
    _wallet: WalletService | None = None
    # "devnet" (kind, message): the devnet died, is back ("restarted", maybe on a new port) or was given up
    events: Events = field(default_factory=lambda: Events("devnet"))

    @property
    def wallet(self) -> WalletService:
        """The wallet session, created on first use (eth-account is a heavy import)."""
        if self._wallet is None:
            from app.wallet.service import WalletService

            self._wallet = WalletService(self.paths.data / "wallet")
            if any(a.index == self.settings.active_account for a in self._wallet.accounts()):
                self._wallet.active_index = self.settings.active_account  # the account used last time
        return self._wallet

    @classmethod
    def open(cls, paths: AppPaths) -> AppRuntime:
        paths.ensure()
        loaded = load_settings(paths.settings_file)
        logging.getLogger().setLevel(loaded.settings.log_level)
        runtime = cls(paths, loaded.settings, loaded.warning)
        try:
            upgrade(paths.database)
            runtime.engine = make_engine(paths.database)
            runtime.sessions = session_factory(runtime.engine)
        except MigrationError as exc:
            runtime.db_error = str(exc)
        return runtime

    def save_settings(self) -> None:
        save_settings(self.paths.settings_file, self.settings)
        logging.getLogger().setLevel(self.settings.log_level)

    def _forward(self, event: DevnetEvent) -> None:
        if event.kind in ("died", "restarted", "failed"):
            self.events.emit("devnet", event.kind, event.message)

    async def start_network(self) -> NetworkStatus:
        """Start or attach to the devnet, or check a custom RPC; raises ``NetworkError`` with a reason."""
        # Imported here: the window opens the runtime before it starts the network.
        from app.chain.client import ChainClient
        from app.chain.devnet import Devnet

        net = self.settings.network()
        if net.rpc_url is None:
            if self.devnet is None:
                self.devnet = Devnet(self.paths.devnet, chain_id=net.chain_id)
                self.devnet.events.connect("changed", self._forward)  # on this loop
            try:
                info = await asyncio.to_thread(self.devnet.start)
            except Exception as exc:
                raise NetworkError(f"The local devnet could not start: {exc}") from exc
            self.devnet.watch()
            return await self._connect(NetworkStatus(net.name, info.rpc_url, info.chain_id))
        client = ChainClient(net.rpc_url)
        try:
            chain_id = await client.chain_id()
        except ConnectionError as exc:
            raise NetworkError(str(exc)) from exc
        finally:
            await client.close()
        if chain_id != net.chain_id:
            raise NetworkError(
                f"{net.rpc_url} is chain {chain_id}, but network '{net.name}' is configured as chain "
                f"{net.chain_id}; refusing to use it."
            )
        return await self._connect(NetworkStatus(net.name, net.rpc_url, chain_id))

    async def _connect(self, status: NetworkStatus) -> NetworkStatus:
        """Point the one chain client and the outbox at ``status`` (a restarted devnet has a new port).

        The outbox object survives reconnects so its listeners and pending queue stay in place; it
        reconciles with the node again before its next send. A new chain under the same id (a reset
        devnet) first has this database's records of the old one removed.
        """
        from app.chain.client import ChainClient, ChainUnavailable
        from app.chain.contracts import deployment_file
        from app.chain.identity import adopt_chain
        from app.wallet.outbox import Outbox

        old, self.client = self.client, ChainClient(status.rpc_url)
        if self.sessions is not None:
            try:  # a reset devnet is a new chain: its old records and manifest go
                if await adopt_chain(self.sessions, self.client, status.chain_id):
                    deployment_file(self.paths.data, status.name).unlink(missing_ok=True)
                    self.deployment = None
            except ChainUnavailable as exc:
                raise NetworkError(str(exc)) from exc
            if self.outbox is None:
                self.outbox = Outbox(self.sessions, self.client, status.chain_id)
            else:
                self.outbox.use(self.client, status.chain_id)
        if old is not None:
            await old.close()
        return status

    @property
    def on_devnet(self) -> bool:
        return self.settings.network().rpc_url is None

    async def ensure_contracts(
        self, progress: DeployProgress = lambda step, total, what: None
    ) -> Deployment | None:
        """The network's deployment; on the devnet, deploy first if there is none that is current.

        On other networks a missing deployment is not fixed behind the user's back: it returns None
        and ``sahara deploy --network NAME`` is the way to deploy there.
        """
        from app.wallet.deploy import current_deployment, deploy_all
        from app.wallet.faucet import treasury

        if self.outbox is None:
            raise NetworkError("Not connected to a network yet.")
        name = self.settings.network().name
        self.deployment = await current_deployment(self.outbox, name, self.paths.data)
        if self.deployment is None and self.on_devnet:
            self.deployment = await deploy_all(
                self.outbox, treasury(), name, self.paths.data, progress=progress
            )
        return self.deployment

    async def faucet(self, address: str) -> list[OutboxTx]:
        """Devnet only: test ETH, and SAHARA once the contracts are deployed, through the outbox."""
        from app.wallet.faucet import drip_eth, drip_sahara
        from app.wallet.outbox import OutboxError, TxReverted

        if self.outbox is None:
            raise NetworkError("Not connected to a network yet.")
        try:
            rows = [await drip_eth(self.outbox, address)]
        except OutboxError as exc:
            raise NetworkError(str(exc)) from exc
        if self.deployment is not None:
            try:
                rows.append(await drip_sahara(self.outbox, self.deployment.address("Faucet"), address))
            except TxReverted as exc:  # the Faucet's own cooldown: the ETH drip still counts
                log.info("no SAHARA drip for %s: %s", address, exc)
            except OutboxError as exc:
                raise NetworkError(str(exc)) from exc
        return rows

    async def aclose(self) -> None:
        """Close the chain client's HTTP session (call on the event loop before ``shutdown``)."""
        if self.client is not None:
            await self.client.close()
            self.client = None

    def shutdown(self) -> None:
        """Stop what this instance owns (the devnet if it started it) and close the database."""
        if self.devnet is not None:
            self.devnet.shutdown()
        if self.engine is not None:
            self.engine.dispose()
