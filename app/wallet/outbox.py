"""The transaction outbox: the one path every transaction takes, and survives a crash on the way.

build → estimate gas and EIP-1559 fees → check funds → sign → persist (raw tx, hash, nonce, intent
id, in one database transaction) → broadcast → track the receipt (``outbox_tracking``) → mined, or
failed with a reason.

Why each step is where it is:
- The signed transaction is in the database *before* it is broadcast. A crash at any point leaves
  either nothing (never signed) or a row that ``resume`` rebroadcasts; rebroadcasting the same raw
  bytes is idempotent (same hash). A unique index on (chain, sender, intent) means the same intent
  is never signed twice, even by two processes.
- Nonces come from max(chain's pending nonce, highest nonce in the outbox + 1), allocated inside a
  SQLite write lock (BEGIN IMMEDIATE), so concurrent intents get consecutive nonces.
- Problems a user can fix are found before signing: a revert during gas estimation (with its
  reason) and insufficient funds (with the amounts) raise, and nothing is persisted.
- Signing checks (``add_signing_check``) run after the fee is quoted and before a nonce is taken:
  a standing approval (the labeler's, with its fee cap) refuses or asks again there, and a refusal
  leaves nothing signed.
- An unreachable RPC is not an error: rows stay "signed" and are broadcast when it answers again.
- Before its first use against a node, the outbox reconciles with it (``outbox_reconcile``): rows
  the chain lost in a rollback go back to pending and are sent again. A nonce no row holds any more
  (a rejected transaction) is the next one allocated, so a gap never strands what comes after it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from eth_utils import is_checksum_address, is_hex_address, to_checksum_address
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.chain.client import ChainClient, ChainUnavailable
from app.db.models import OutboxTx
from app.events import Events
from app.logs import short_hash
from app.wallet.outbox_tracking import PENDING, ReceiptTracking

log = logging.getLogger(__name__)

NONCE_HOLDING = ("signed", "broadcast", "mined", "failed", "replaced")  # a rejected tx frees its nonce
MIN_BUMP = 1.125  # nodes require replacements to pay at least 10% more; a margin above that


class OutboxError(RuntimeError):
    """A transaction cannot be sent; the message is meant for the user."""


class InsufficientFunds(OutboxError):
    pass


class TxReverted(OutboxError):
    pass


class ChainMismatch(OutboxError):
    pass


class Signer(Protocol):
    """What signs: eth-account's LocalAccount fits. Only the wallet holds one."""

    @property
    def address(self) -> str: ...

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class TxRequest:
    intent_id: str  # what the user asked for; the same intent is never signed twice
    to: str | None
    data: bytes = b""
    value: int = 0
    description: str = ""
    gas: int | None = None
    # Fee caps the user approved (from ``quote``); None: the current market fees at signing.
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None


SigningCheck = Callable[[TxRequest, str], Awaitable[None]]  # (quoted request, sender); raises to refuse


def _revert_reason(exc: Exception) -> str:
    from app.chain.errors import decode_revert

    message = " ".join(str(arg) for arg in exc.args) if exc.args else str(exc)
    return decode_revert(message.removeprefix("execution reverted: ")) or "execution reverted"


class Outbox(ReceiptTracking):
    """Signs, persists and broadcasts (here); tracks receipts until settled (``ReceiptTracking``)."""

    def __init__(self, sessions: sessionmaker[Session], client: ChainClient, chain_id: int) -> None:
        self.sessions = sessions
        self.client = client
        self.chain_id = chain_id
        self._online = True
        self.reconciled = False  # set once this outbox has checked its rows against the node
        self._nonce_lock = asyncio.Lock()
        # "tx_changed" (row: OutboxTx) after every status change; "online_changed" (online: bool)
        # when the node stops or starts answering. Both on the loop.
        self.events = Events("tx_changed", "online_changed")
        self._checks: list[SigningCheck] = []

    @property
    def online(self) -> bool:
        """Whether the node answered the last broadcast or receipt query."""
        return self._online

    @online.setter
    def online(self, value: bool) -> None:
        if value != self._online:
            self._online = value
            self.events.emit("online_changed", value)

    # -- queries ---------------------------------------------------------------------------------

    def use(self, client: ChainClient, chain_id: int) -> None:
        """Talk to another node from now on (a restarted devnet): reconcile again before sending."""
        self.client, self.chain_id, self.reconciled = client, chain_id, False

    def get(self, tx_id: int) -> OutboxTx:
        with self.sessions() as session:
            row = session.get(OutboxTx, tx_id)
            if row is None:
                raise KeyError(tx_id)
            return row

    def find_intent(self, sender: str, intent_id: str) -> OutboxTx | None:
        with self.sessions() as session:
            return session.scalars(
                select(OutboxTx).where(
                    OutboxTx.chain_id == self.chain_id,
                    OutboxTx.sender == sender,
                    OutboxTx.intent_id == intent_id,
                    OutboxTx.kind == "original",
                )
            ).first()

    def next_attempt(self, sender: str, intent_id: str) -> str:
        """The intent under which to ask for ``intent_id`` now.

        It is ``intent_id`` itself while its transaction is in flight or mined (asking again after
        a crash finds it, never a second one). Once it ended without effect (reverted on chain,
        refused by the node, or cancelled by the user) asking again is a new try: the next
        numbered attempt, ``intent_id#2``, ``#3``, … so a failed step can be retried.
        """
        attempt, name = 1, intent_id
        while (row := self.find_intent(sender, name)) is not None and self._without_effect(row):
            attempt += 1
            name = f"{intent_id}#{attempt}"
        return name

    def _without_effect(self, row: OutboxTx) -> bool:
        if row.status in ("failed", "rejected"):
            return True
        if row.status != "replaced":
            return False
        with self.sessions() as session:  # what took its place: a cancel, or a speed-up that failed
            taken = session.scalars(
                select(OutboxTx).where(
                    OutboxTx.chain_id == row.chain_id, OutboxTx.sender == row.sender,
                    OutboxTx.intent_id == row.intent_id, OutboxTx.kind != "original",
                    OutboxTx.status.in_(("mined", "failed")),
                )
            ).first()  # fmt: skip
        return taken is not None and (taken.kind == "cancel" or taken.status == "failed")

    def pending(self) -> list[OutboxTx]:
        with self.sessions() as session:
            query = select(OutboxTx).where(OutboxTx.chain_id == self.chain_id, OutboxTx.status.in_(PENDING))
            return list(session.scalars(query.order_by(OutboxTx.nonce, OutboxTx.id)))

    def history(self, sender: str | None = None, limit: int = 200) -> list[OutboxTx]:
        with self.sessions() as session:
            query = select(OutboxTx).where(OutboxTx.chain_id == self.chain_id)
            if sender:
                query = query.where(OutboxTx.sender == sender)
            return list(session.scalars(query.order_by(OutboxTx.id.desc()).limit(limit)))

    def status_line(self) -> str:
        count = len(self.pending())
        if not self.online:
            return f"offline — {count} pending"
        return f"{count} pending" if count else "all sent"

    # -- sending ---------------------------------------------------------------------------------

    def add_signing_check(self, check: SigningCheck) -> Callable[[], None]:
        """Run ``check(request, sender)`` on every new transaction once its gas and fee caps are
        quoted, before it is signed; it raises (an ``OutboxError`` in words) to refuse it. Returns
        the function that removes it."""
        self._checks.append(check)
        return lambda: self._checks.remove(check) if check in self._checks else None

    async def submit(self, request: TxRequest, signer: Signer) -> OutboxTx:
        """Prepare (sign + persist) and broadcast; returns the row, already there for a known intent."""
        row = await self.prepare(request, signer)
        if row.status == "signed":
            row = await self.broadcast(row.id)
        return row

    async def quote(self, request: TxRequest, sender: str) -> TxRequest:
        """Run the pre-signing checks and return ``request`` with its gas and fee caps filled in.

        The checks: a valid recipient, the right chain, no revert (``TxReverted`` with the
        contract's reason), enough ETH for value + fee (``InsufficientFunds``). A confirmation
        dialog shows the returned caps, and submitting the returned request signs exactly those.
        """
        if request.to is not None:
            if not isinstance(request.to, str) or not is_hex_address(request.to):
                raise OutboxError(f"{request.to!r} is not an address (0x followed by 40 hex characters).")
            if request.to != request.to.lower() and not is_checksum_address(request.to):
                raise OutboxError(f"{request.to} has a wrong checksum: a character is mistyped.")
            request = replace(request, to=to_checksum_address(request.to))
        await self._check_chain()
        call = {"from": sender, "to": request.to, "value": request.value, "data": request.data}
        gas = request.gas or await self._estimate_gas(call)
        if request.max_fee_per_gas is None or request.max_priority_fee_per_gas is None:
            max_fee, tip = await self.market_fees()
        else:
            max_fee, tip = request.max_fee_per_gas, request.max_priority_fee_per_gas
        await self._check_funds(sender, request.value + gas * max_fee)
        return replace(request, gas=gas, max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)

    async def prepare(self, request: TxRequest, signer: Signer) -> OutboxTx:
        await self._reconcile_once()
        existing = self.find_intent(signer.address, request.intent_id)
        if existing is not None:
            return existing
        request = await self.quote(request, signer.address)
        for check in list(self._checks):
            await check(request, signer.address)
        async with self._nonce_lock:
            w3 = self.client.w3
            chain_nonce = await self.client.ask(w3.eth.get_transaction_count(signer.address, "pending"))
            tx = {
                "type": 2, "chainId": self.chain_id, "to": request.to, "value": request.value,
                "data": request.data, "gas": request.gas, "maxFeePerGas": request.max_fee_per_gas,
                "maxPriorityFeePerGas": request.max_priority_fee_per_gas,
            }  # fmt: skip
            try:
                return self._sign_and_persist(request, signer, tx, chain_nonce, "original", None)
            except IntegrityError:  # another process persisted this intent a moment ago
                found = self.find_intent(signer.address, request.intent_id)
                if found is None:
                    raise
                return found

    def _sign_and_persist(
        self, request: TxRequest, signer: Signer, tx: dict[str, Any], chain_nonce: int, kind: str,
        replaces: int | None, nonce: int | None = None,
    ) -> OutboxTx:  # fmt: skip
        with self.sessions() as session:
            session.execute(text("BEGIN IMMEDIATE"))  # serialise nonce allocation across processes
            if nonce is None:  # the lowest from the chain's on that no row holds: gaps get filled
                held = set(
                    session.scalars(
                        select(OutboxTx.nonce).where(
                            OutboxTx.chain_id == self.chain_id, OutboxTx.sender == signer.address,
                            OutboxTx.status.in_(NONCE_HOLDING), OutboxTx.nonce >= chain_nonce,
                        )
                    )
                )  # fmt: skip
                nonce = chain_nonce
                while nonce in held:
                    nonce += 1
            signed = signer.sign_transaction({**tx, "nonce": nonce})
            row = OutboxTx(
                intent_id=request.intent_id, kind=kind, replaces=replaces, chain_id=self.chain_id,
                sender=signer.address, nonce=nonce, to=tx["to"], value=str(tx["value"]),
                data="0x" + bytes(tx["data"]).hex(), gas=tx["gas"], max_fee_per_gas=str(tx["maxFeePerGas"]),
                max_priority_fee_per_gas=str(tx["maxPriorityFeePerGas"]),
                raw_tx="0x" + bytes(signed.raw_transaction).hex(), tx_hash="0x" + bytes(signed.hash).hex(),
                description=request.description, status="signed",
            )  # fmt: skip
            session.add(row)
            session.commit()
        log.info("outbox: signed %s nonce %d (%s)", short_hash(row.tx_hash), row.nonce, row.intent_id)
        self.events.emit("tx_changed", row)
        return row

    async def broadcast(self, tx_id: int) -> OutboxTx:
        row = self.get(tx_id)
        if row.status not in PENDING:
            return row
        try:
            await self.client.ask(self.client.w3.eth.send_raw_transaction(row.raw_tx))
        except ChainUnavailable as exc:
            self.online = False
            log.info("outbox: offline, %s stays queued (%s)", short_hash(row.tx_hash), exc)
            return self._update(row.id, broadcast_attempts=row.broadcast_attempts + 1)
        except Exception as exc:  # the node refused it: decide from the message what that means
            return await self._on_refused(row, str(exc))
        self.online = True
        return self._update(row.id, status="broadcast", broadcast_attempts=row.broadcast_attempts + 1)

    async def _on_refused(self, row: OutboxTx, message: str) -> OutboxTx:
        lowered = message.lower()
        if "already known" in lowered or "already imported" in lowered or "known transaction" in lowered:
            return self._update(row.id, status="broadcast")
        if "nonce too low" in lowered or "nonce has already been used" in lowered:
            receipt = await self._receipt(row.tx_hash)
            if receipt is not None:
                return self._settle(row, receipt)
            if row.status == "broadcast":  # a sibling (speed-up/cancel) took the nonce; tracking settles it
                return row
            return self._update(row.id, status="rejected", error=f"Nonce {row.nonce} was already used.")
        log.warning("outbox: node refused %s: %s", short_hash(row.tx_hash), message)
        return self._update(row.id, status="rejected", error=message)

    # -- replacing -------------------------------------------------------------------------------

    async def speed_up(self, tx_id: int, signer: Signer) -> OutboxTx:
        return await self._replace(tx_id, signer, cancel=False)

    async def cancel(self, tx_id: int, signer: Signer) -> OutboxTx:
        return await self._replace(tx_id, signer, cancel=True)

    async def _replace(self, tx_id: int, signer: Signer, cancel: bool) -> OutboxTx:
        old = self.get(tx_id)
        if old.status not in PENDING:
            raise OutboxError(f"Transaction {old.tx_hash} is already {old.status}; nothing to replace.")
        if old.sender != signer.address:
            raise OutboxError("Only the account that sent a transaction can replace it.")
        max_fee, tip = await self.market_fees()
        bumped_fee = max(max_fee, int(int(old.max_fee_per_gas) * MIN_BUMP) + 1)
        bumped_tip = max(tip, int(int(old.max_priority_fee_per_gas) * MIN_BUMP) + 1)
        tx = {
            "type": 2, "chainId": self.chain_id, "to": signer.address if cancel else old.to,
            "value": 0 if cancel else int(old.value), "data": b"" if cancel else bytes.fromhex(old.data[2:]),
            "gas": 21_000 if cancel else old.gas, "maxFeePerGas": bumped_fee,
            "maxPriorityFeePerGas": bumped_tip,
        }  # fmt: skip
        request = TxRequest(
            old.intent_id, tx["to"], description=f"{'Cancel' if cancel else 'Speed up'}: {old.description}"
        )
        kind = "cancel" if cancel else "speed-up"
        row = self._sign_and_persist(request, signer, tx, old.nonce, kind, old.id, nonce=old.nonce)
        return await self.broadcast(row.id)

    # -- checks ----------------------------------------------------------------------------------

    async def _check_chain(self) -> None:
        actual = await self.client.chain_id()
        if actual != self.chain_id:
            raise ChainMismatch(
                f"The RPC serves chain {actual} but this outbox signs for chain {self.chain_id}; refused."
            )

    async def _estimate_gas(self, call: dict[str, Any]) -> int:
        from web3.exceptions import ContractLogicError, Web3RPCError

        try:
            estimate = await self.client.ask(self.client.w3.eth.estimate_gas(call))
        except (ContractLogicError, Web3RPCError) as exc:
            raise TxReverted(f"This transaction would fail: {_revert_reason(exc)}") from exc
        return int(estimate * 1.2) + 5_000  # headroom: state can change between estimate and mining

    async def market_fees(self) -> tuple[int, int]:
        """(max fee per gas, priority fee) for a transaction now: twice the base fee plus the tip."""
        w3 = self.client.w3
        block = await self.client.ask(w3.eth.get_block("latest"))
        tip = int(await self.client.ask(w3.eth.max_priority_fee))
        base = int(block.get("baseFeePerGas", 0))
        return 2 * base + tip, tip

    async def _check_funds(self, address: str, needed: int) -> None:
        balance = int(await self.client.ask(self.client.w3.eth.get_balance(address)))
        if balance < needed:
            raise InsufficientFunds(
                f"Not enough ETH for this transaction and its fee: it needs up to {needed / 1e18:.6f} ETH, "
                f"the account has {balance / 1e18:.6f} ETH."
            )

    # -- persistence -----------------------------------------------------------------------------

    def _update(self, tx_id: int, **values: Any) -> OutboxTx:
        with self.sessions() as session:
            session.execute(update(OutboxTx).where(OutboxTx.id == tx_id).values(**values))
            session.commit()
        row = self.get(tx_id)
        self.events.emit("tx_changed", row)
        return row
