"""Connecting the composition root to its network: start or attach to it, look its contracts up
(deploying them on a fresh devnet), and follow it through reconnects, network switches and a
restarted devnet.

A mixin of ``NetworkServices`` (whose ``runtime``, ``events``, ``_chain``, ``_running``, ``_spawn``,
``_say``, ``start_outbox``, ``start_services`` and ``stop_services`` it uses), kept apart because it
is one concern: when the chain is another one than last time, the services that work against its
contracts are stopped, the contracts looked up again and the services started on them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.runtime import DeployProgress, NetworkError

if TYPE_CHECKING:
    from app.chain.contracts import Deployment
    from app.runtime import NetworkStatus

log = logging.getLogger(__name__)


class ConnectionServices:
    """Brings the network up and keeps the services on the contracts of the chain of the moment."""

    async def open(self, progress: DeployProgress | None = None) -> tuple[NetworkStatus, Deployment]:
        """Connect and find the contracts, deploying them on a fresh devnet (the CLI's way in;
        ``progress`` reports the deploy's steps, else "status" events do); ``NetworkError`` says in
        words why the network or its contracts cannot be used."""
        status = await self.runtime.start_network()
        deployment = await self.runtime.ensure_contracts(progress or self._progress)
        if deployment is None:
            raise NetworkError(
                f"Sahara's contracts are not on {status.name}: run `sahara deploy --network {status.name}`"
            )
        self._chain = (status.name, status.chain_id)
        return status, deployment

    def _progress(self, step: int, total: int, what: str) -> None:
        self._say(f"Setting up the devnet's contracts ({step}/{total}): {what}")

    async def connect(self) -> NetworkStatus:
        """Start or attach to the network (the window's way in, and every reconnect or switch):
        ``NetworkError`` says why not; once up, ``network_ready`` runs."""
        status = await self.runtime.start_network()
        self.network_ready(status)
        return status

    def network_ready(self, status: NetworkStatus) -> None:
        """The network is up (first start, a reconnect, a switch): run the outbox loop once, and
        when the chain is another one than last time, look its contracts up again and restart the
        services that work against them."""
        if getattr(self.runtime, "outbox", None) is None:
            return
        self.start_outbox()
        chain = (status.name, status.chain_id)
        if chain != self._chain:
            self._chain = chain
            self.stop_services()
            self._spawn(self._find_contracts(), "contracts")
        elif self._running:
            self.events.emit("labeling")  # a reconnect (new client): the Label page's service follows it

    async def _find_contracts(self) -> None:
        from app.wallet.outbox import OutboxError

        try:
            deployment = await self.runtime.ensure_contracts(self._progress)
        except (NetworkError, OutboxError) as exc:
            log.error("contracts unavailable: %s", exc)
            self.events.emit("contracts", None, f"The contracts could not be set up: {exc}")
            return
        if deployment is None:
            problem = "Sahara's contracts are not deployed on this network: run `sahara deploy --network {}`."
            self.events.emit("contracts", None, problem.format(self._chain[0] if self._chain else "NAME"))
            return
        self.events.emit("contracts", deployment, None)
        self._say("Contracts ready")
        self.start_services()

    def follow_devnet(self) -> None:
        """Headless: a restarted devnet listens on a new port, so reconnect the client and outbox
        to it (the window's network monitor does this itself, with its own retry budget)."""
        self.runtime.events.connect("devnet", self._on_devnet)

    def _on_devnet(self, kind: str, message: str) -> None:
        log.warning("devnet %s: %s", kind, message)
        if kind == "restarted":
            self._spawn(self._reconnect(), "devnet-reconnect")

    async def _reconnect(self) -> None:
        try:
            status = await self.connect()
            log.info("reconnected to the devnet at %s", status.rpc_url)
        except NetworkError as exc:
            log.error("could not reconnect to the devnet: %s", exc)
