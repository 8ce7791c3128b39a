"""The market indexer as a service: logs into the catalogue, then metadata, then "what changed".

``NetworkServices.start_services`` builds one per network and runs ``run`` under ``supervise``;
everything it has done is in the database, so cancelling it between steps and starting it again
(or a kill -9) resumes where it was. Pages listen to its events instead of polling:

- ``assets_changed`` (): assets were registered, updated, linked, rolled back, or their metadata read;
- ``offers_changed`` (): offers were created, paused or resumed;
- ``licenses_changed`` (): licenses were bought, delivered, disputed, settled, refunded or used;
- ``synced`` (next_block): the catalogue caught up with the chain (minus confirmations).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.orm import Session, sessionmaker

from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.chain.indexer import LogIndexer, Rpc, client_rpc
from app.events import Events
from app.market.catalog.decode import MARKET, REGISTRY, VAULT, Decoder
from app.market.catalog.metadata import BATCH, fetch_pending
from app.market.catalog.sink import MarketSink
from app.storage import BlobStore

log = logging.getLogger(__name__)

CHANGES = {"assets": "assets_changed", "offers": "offers_changed", "licenses": "licenses_changed"}


def stream_of(deployment: Deployment) -> str:
    """The indexer stream (cursor name) of a deployment's market."""
    return f"market:{deployment.address(REGISTRY).lower()}"


class MarketIndexer:
    """Indexes one deployment's market into the catalogue and tells listeners what changed."""

    def __init__(
        self,
        client: ChainClient | None,
        sessions: sessionmaker[Session],
        deployment: Deployment,
        store: BlobStore,
        *,
        confirmations: int = 0,
        interval_s: float = 2.0,
        rpc: Rpc | None = None,
        span: int | None = None,
        max_span: int | None = None,
    ) -> None:
        if rpc is None:
            assert client is not None, "a chain client or an rpc callable"
            rpc = client_rpc(client)
        self.chain_id = deployment.chain_id
        self.store = store
        self.sessions = sessions
        self.interval_s = interval_s
        read = (REGISTRY, MARKET, VAULT)  # the vault's events are journaled only, where there is one
        addresses = {c: deployment.address(c) for c in read if c in deployment.addresses}
        decoder = Decoder(addresses)
        self.sink = MarketSink(self.chain_id, decoder)
        stream = stream_of(deployment)
        extra = {k: v for k, v in (("span", span), ("max_span", max_span)) if v is not None}
        self.logs = LogIndexer(
            rpc, sessions, chain_id=self.chain_id, stream=stream, addresses=decoder.addresses,
            topics=decoder.topics, start_block=deployment.block, sink=self.sink,
            confirmations=confirmations, **extra,
        )  # fmt: skip
        self.events = Events("assets_changed", "offers_changed", "licenses_changed", "synced")

    def _tell(self, changed: set[str]) -> None:
        if "reorg" in changed:
            changed = changed | set(CHANGES)
        for what in sorted(changed & set(CHANGES)):
            self.events.emit(CHANGES[what])

    async def sync(self) -> None:
        """Read the chain up to the head, then the metadata that is due."""
        await self.logs.sync(on_change=self._tell)
        while fetched := await fetch_pending(self.sessions, self.store, self.chain_id):
            self.events.emit("assets_changed")
            if fetched < BATCH:
                break
        self.events.emit("synced", self.logs.cursor())

    async def run(self) -> None:
        """Sync every ``interval_s`` until cancelled (the composition root supervises it)."""
        while True:
            await self.sync()
            await asyncio.sleep(self.interval_s)
