"""Fakes for the wallet UI tests: an outbox that keeps rows in memory and notifies like the real
one, and a chain client that answers balances. The real ones are exercised on a devnet in
``test_wallet_devnet.py``."""

from __future__ import annotations

import asyncio
import itertools
from types import SimpleNamespace
from typing import Any

from app.db.models import OutboxTx
from app.events import Events
from app.wallet.outbox import Outbox, OutboxError, TxRequest

GWEI = 10**9
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
PENDING = ("signed", "broadcast")


class FakeOutbox:
    def __init__(self, chain_id: int = 31337) -> None:
        self.chain_id = chain_id
        self._online = True
        self.rows: list[OutboxTx] = []
        self.events = Events("tx_changed", "online_changed")
        self.submitted: list[tuple[TxRequest, Any]] = []
        self.funds_error: OutboxError | None = None
        self.runs = 0
        self._ids = itertools.count(1)

    # what the UI reads
    def get(self, tx_id: int) -> OutboxTx:
        return next(r for r in self.rows if r.id == tx_id)

    def history(self, sender: str | None = None, limit: int = 200) -> list[OutboxTx]:
        rows = [r for r in reversed(self.rows) if sender is None or r.sender == sender]
        return rows[:limit]

    @property
    def online(self) -> bool:
        return self._online

    @online.setter
    def online(self, value: bool) -> None:
        if value != self._online:
            self._online = value
            self.events.emit("online_changed", value)

    def pending(self) -> list[OutboxTx]:
        return [r for r in self.rows if r.status in PENDING]

    def status_line(self) -> str:
        count = len(self.pending())
        if not self.online:
            return f"offline — {count} pending"
        return f"{count} pending" if count else "all sent"

    async def run(self, interval: float = 1.0) -> None:
        self.runs += 1
        await asyncio.Event().wait()

    # what quoting calls
    async def _check_chain(self) -> None:
        await asyncio.sleep(0)

    async def _estimate_gas(self, call: dict[str, Any]) -> int:
        return 21_000

    quote = Outbox.quote  # the real checks, in the real order, on the fake methods here

    async def market_fees(self) -> tuple[int, int]:
        return 2 * GWEI, GWEI

    async def _check_funds(self, address: str, needed: int) -> None:
        if self.funds_error is not None:
            raise self.funds_error

    # what sending does
    def add(
        self, *, sender: str, to: str | None, value: int, status: str = "broadcast", **extra: Any
    ) -> OutboxTx:
        row = OutboxTx(
            id=next(self._ids), intent_id=extra.pop("intent_id", f"test:{len(self.rows)}"),
            kind=extra.pop("kind", "original"), replaces=extra.pop("replaces", None), chain_id=self.chain_id,
            sender=sender, nonce=extra.pop("nonce", len(self.rows)), to=to, value=str(value),
            data=extra.pop("data", "0x"), gas=extra.pop("gas", 21_000), max_fee_per_gas=str(2 * GWEI),
            max_priority_fee_per_gas=str(GWEI), raw_tx="0x00", tx_hash="0x" + f"{len(self.rows) + 1:064x}",
            description=extra.pop("description", ""), status=status, error=extra.pop("error", None),
            block_number=extra.pop("block_number", None), gas_used=extra.pop("gas_used", None),
            broadcast_attempts=1,
        )  # fmt: skip
        self.rows.append(row)
        self.notify(row)
        return row

    def notify(self, row: OutboxTx) -> None:
        self.events.emit("tx_changed", row)

    def settle(self, tx_id: int, status: str = "mined", **values: Any) -> OutboxTx:
        row = self.get(tx_id)
        row.status = status
        for key, value in values.items():
            setattr(row, key, value)
        self.notify(row)
        return row

    async def submit(self, request: TxRequest, signer: Any) -> OutboxTx:
        self.submitted.append((request, signer))
        return self.add(
            sender=signer.address, to=request.to, value=request.value, description=request.description,
            gas=request.gas or 21_000, intent_id=request.intent_id,
        )  # fmt: skip

    async def _replace(self, tx_id: int, signer: Any, cancel: bool) -> OutboxTx:
        old = self.get(tx_id)
        return self.add(
            sender=signer.address, to=signer.address if cancel else old.to,
            value=0 if cancel else int(old.value), kind="cancel" if cancel else "speed-up",
            replaces=old.id, nonce=old.nonce, intent_id=old.intent_id,
            description=f"{'Cancel' if cancel else 'Speed up'}: {old.description}",
        )  # fmt: skip

    async def speed_up(self, tx_id: int, signer: Any) -> OutboxTx:
        return await self._replace(tx_id, signer, cancel=False)

    async def cancel(self, tx_id: int, signer: Any) -> OutboxTx:
        return await self._replace(tx_id, signer, cancel=True)

    async def wait(self, tx_id: int, timeout: float = 60.0, interval: float = 0.2) -> OutboxTx:
        await asyncio.sleep(0)
        return self.settle(tx_id, "mined", block_number=7, gas_used=21_000)


class FakeClient:
    """``client.ask(client.w3.eth.get_balance(address))`` as the controller calls it."""

    def __init__(self) -> None:
        self.balances: dict[str, int] = {}
        self.down = False

        async def get_balance(address: str) -> int:
            return self.balances.get(address, 0)

        self.w3 = SimpleNamespace(eth=SimpleNamespace(get_balance=get_balance))

    async def ask(self, awaitable: Any) -> Any:
        from app.chain.client import ChainUnavailable

        if self.down:
            awaitable.close()
            raise ChainUnavailable("http://127.0.0.1:9 is unreachable: connection refused")
        return await awaitable
