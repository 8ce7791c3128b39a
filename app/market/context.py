"""What every market action needs, held once: the chain, the outbox, the contracts, the store, the wallet.

Publishing, buying, "My licenses" and earnings are plain async functions over a ``MarketContext``,
so the window, the CLI and the tests call the same code. Every transaction goes through
``app.wallet.calls.transact`` (the one outbox: persisted before broadcast, signed once per
intent, a call that would revert refused before signing with the contract's own error), as the
labeling service does; reads go through the shipped ABIs and the one ``ChainClient``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from eth_utils import to_checksum_address

from app.chain.bindings import bind
from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.market.catalog.journal import Journal
from app.storage import BlobStore
from app.wallet.calls import events, transact

if TYPE_CHECKING:
    from app.wallet.hd import EncryptionKey
    from app.wallet.outbox import Outbox, Signer

LOG_CHUNK = 50_000  # blocks per eth_getLogs: public endpoints refuse wide ranges


class MarketWallet(Protocol):
    """What the market needs of the wallet (``WalletService`` fits): the active account's signer
    and encryption key; both raise ``WalletLocked`` while the wallet is locked."""

    def signer(self, index: int | None = None) -> Signer: ...

    def encryption_key(self, index: int | None = None) -> EncryptionKey: ...


def topic_of(value: int | str) -> str:
    """An indexed ``uint256`` or ``address`` as a log topic."""
    if isinstance(value, str):
        return "0x" + "00" * 12 + to_checksum_address(value)[2:].lower()
    return "0x" + value.to_bytes(32, "big").hex()


@dataclass
class MarketContext:
    client: ChainClient
    outbox: Outbox
    deployment: Deployment
    store: BlobStore
    wallet: MarketWallet
    journal: Journal | None = None  # the catalogue's events, when this app keeps a catalogue

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id

    @property
    def account(self) -> str:
        """The active account's address (``WalletLocked`` while locked)."""
        return to_checksum_address(self.wallet.signer().address)

    def contract(self, name: str) -> Any:
        return bind(self.client.w3, name, self.deployment.address(name))

    async def call(self, contract: str, function: str, *args: Any, block: int | None = None) -> Any:
        """A view of one of the deployment's contracts (``ChainUnavailable`` when offline), as of
        ``block`` when given (reads that must agree with each other pin one block)."""
        bound = getattr(self.contract(contract).functions, function)(*args)
        return await self.client.ask(bound.call() if block is None else bound.call(block_identifier=block))

    async def send(self, contract: str, function: str, *args: Any, intent: str, description: str) -> Any:
        """``contract.function(*args)`` from the active account through the outbox; the receipt."""
        return await transact(
            self.outbox, self.wallet.signer(), self.deployment, contract, function, *args,
            intent=intent, description=description,
        )  # fmt: skip

    def receipt_events(self, contract: str, name: str, receipt: Any) -> list[Any]:
        """The decoded ``name`` events ``contract`` emitted in ``receipt`` (their ``args``)."""
        return [log["args"] for log in events(self.outbox, self.deployment, contract, name, receipt)]

    async def logs(
        self, contract: str, name: str, topics: Sequence[str | None] = (), *, to_block: int | None = None
    ) -> list[Any]:
        """Every ``name`` event of ``contract`` since the deployment up to ``to_block`` (default: the
        head), oldest first, filtered by its indexed arguments (``topics``, None for any).

        What the catalogue's journal holds is read from it; only the blocks it has not reached are
        read from the chain, in bounded ranges (all of them without a catalogue)."""
        head = await self.client.block_number() if to_block is None else to_block
        low, found = self.deployment.block, []
        if self.journal is not None and self.journal.keeps(contract, name):
            upto = min(head, await asyncio.to_thread(self.journal.reach) - 1)
            found = await asyncio.to_thread(self.journal.events, contract, name, topics, low, upto)
            low = max(low, upto + 1)
        return found + await self.chain_logs(contract, name, topics, low, head)

    async def chain_logs(
        self, contract: str, name: str, topics: Sequence[str | None], low: int, high: int
    ) -> list[Any]:
        """``name`` events of ``contract`` in blocks ``low``..``high`` from the node, ``LOG_CHUNK``
        blocks per ``eth_getLogs``."""
        bound = self.contract(contract)
        event = getattr(bound.events, name)()
        query_topics: list[Any] = [event.topic, *topics]
        while query_topics and query_topics[-1] is None:
            query_topics.pop()
        found: list[Any] = []
        while low <= high:
            top = min(high, low + LOG_CHUNK - 1)
            query = {"address": bound.address, "topics": query_topics, "fromBlock": low, "toBlock": top}
            for raw in await self.client.ask(self.client.w3.eth.get_logs(query)):  # type: ignore[arg-type]
                if not raw.get("removed"):
                    found.append(event.process_log(raw))
            low = top + 1
        return found
