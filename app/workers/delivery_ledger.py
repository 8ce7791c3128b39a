"""What key delivery remembers between runs: its log cursors and one row per purchase.

Idempotency rests on three things, each in the database so a crash or ``kill -9`` anywhere loses
nothing and repeats nothing:

- a purchase becomes a row in the same transaction that moves the cursors past its block, so
  every purchase is either still ahead of the cursor or already a row (never both lost);
- one row per (chain, market, license): a unique index makes a second sighting (a restart, or the
  GUI and ``sahara serve`` side by side) insert nothing;
- the wrapped key's CID is saved before ``recordDelivery`` is signed, and the row names the outbox
  intent; after a restart the same CID goes out under the same intent, which the outbox never
  signs twice. ``mark_wrapped`` only moves a row out of ``pending``, so of two processes that
  wrapped at once, both then record the CID that was saved first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import KeyDelivery, KeyDeliveryCursor
from app.market.purchases import Purchase

PENDING = "pending"  # seen, checked, nothing done yet
WRAPPED = "wrapped"  # the wrapped key is stored under wrapped_key_cid; recordDelivery may be in flight
DELIVERED = "delivered"  # recordDelivery mined: the buyer can fetch the key; escrow in its dispute window
PAID = "paid"  # the escrow was released: fee to the treasury, the rest to the asset's royalty vault
REFUSED = "refused"  # the purchase carries no usable key; never retried
CLOSED = "closed"  # nothing left to do: refunded, delivered by someone else, asset sold
OPEN = (PENDING, WRAPPED)


def delivery_intent(market: str, license_id: int, round_: int = 0) -> str:
    """The outbox intent of delivering ``license_id``: one signature per license (and per retry
    round, only after a sent delivery failed on chain while the license stayed pending)."""
    base = f"deliver:{market.lower()}:{license_id}"
    return base if round_ == 0 else f"{base}:{round_}"


@dataclass(frozen=True)
class Sighting:
    """A purchase of an asset owned by ``seller`` (one of the accounts being served)."""

    purchase: Purchase
    seller: str


def _now() -> datetime:
    return datetime.now(UTC)


class DeliveryLedger:
    """The key-delivery tables for one market on one chain."""

    def __init__(self, sessions: sessionmaker[Session], chain_id: int, market: str) -> None:
        self.sessions = sessions
        self.chain_id = chain_id
        self.market = market

    # -- cursors ---------------------------------------------------------------------------------

    def start_block(self, accounts: Sequence[str], default: int) -> int:
        """The first block some account in ``accounts`` has not had scanned (``default`` if new)."""
        with self.sessions() as session:
            query = select(KeyDeliveryCursor.account, KeyDeliveryCursor.next_block).where(
                KeyDeliveryCursor.chain_id == self.chain_id,
                KeyDeliveryCursor.market == self.market,
                KeyDeliveryCursor.account.in_(accounts),
            )
            stored = {account: next_block for account, next_block in session.execute(query)}
        return min((stored.get(account, default) for account in accounts), default=default)

    def record_scan(self, sightings: Iterable[Sighting], accounts: Sequence[str], next_block: int) -> int:
        """Insert the sightings' rows and move every account's cursor to ``next_block``, atomically.

        Rows already there are left alone (their status is the truth); cursors only move forward.
        Returns how many rows are new.
        """
        now = _now()
        new = 0
        with self.sessions() as session, session.begin():
            for sighting in sightings:
                p = sighting.purchase
                row = {
                    "chain_id": self.chain_id, "market": self.market, "license_id": p.license_id,
                    "offer_id": p.offer_id, "asset_id": p.asset_id, "seller": sighting.seller,
                    "buyer": p.buyer, "buyer_pubkey": p.pubkey.hex(), "price": str(p.price),
                    "deliver_by": p.deliver_by, "purchase_block": p.block, "purchase_tx": p.tx_hash,
                    "status": REFUSED if p.problem else PENDING, "reason": p.problem,
                    "intent_id": delivery_intent(self.market, p.license_id), "attempts": 0,
                    "created_at": now, "updated_at": now,
                }  # fmt: skip
                statement = insert(KeyDelivery).values(row)
                statement = statement.on_conflict_do_nothing(
                    index_elements=["chain_id", "market", "license_id"]
                )
                new += session.execute(statement).rowcount
            for account in accounts:
                cursor = {"chain_id": self.chain_id, "market": self.market, "account": account}
                upsert = insert(KeyDeliveryCursor).values(**cursor, next_block=next_block, updated_at=now)
                upsert = upsert.on_conflict_do_update(
                    index_elements=list(cursor),
                    set_={"next_block": next_block, "updated_at": now},
                    where=KeyDeliveryCursor.next_block < next_block,
                )
                session.execute(upsert)
        return new

    # -- rows ------------------------------------------------------------------------------------

    def get(self, license_id: int) -> KeyDelivery | None:
        with self.sessions() as session:
            return session.scalars(
                select(KeyDelivery).where(
                    KeyDelivery.chain_id == self.chain_id,
                    KeyDelivery.market == self.market,
                    KeyDelivery.license_id == license_id,
                )
            ).first()

    def rows(self, statuses: Sequence[str] | None = None) -> list[KeyDelivery]:
        """Every row of this market (newest license first), optionally of some statuses: for a UI list."""
        with self.sessions() as session:
            query = select(KeyDelivery).where(
                KeyDelivery.chain_id == self.chain_id, KeyDelivery.market == self.market
            )
            if statuses is not None:
                query = query.where(KeyDelivery.status.in_(statuses))
            return list(session.scalars(query.order_by(KeyDelivery.license_id.desc())))

    def due(self, sellers: Sequence[str] | None = None, now: datetime | None = None) -> list[KeyDelivery]:
        """Open rows whose retry time has come, the nearest delivery deadline first; only those
        recorded for ``sellers`` if given (the accounts of the wallet that is open now)."""
        now = now or _now()
        with self.sessions() as session:
            query = select(KeyDelivery).where(
                KeyDelivery.chain_id == self.chain_id,
                KeyDelivery.market == self.market,
                KeyDelivery.status.in_(OPEN),
                or_(KeyDelivery.retry_at.is_(None), KeyDelivery.retry_at <= now),
            )
            if sellers is not None:
                query = query.where(KeyDelivery.seller.in_(sellers))
            return list(session.scalars(query.order_by(KeyDelivery.deliver_by, KeyDelivery.license_id)))

    def delivered(self, sellers: Sequence[str]) -> list[KeyDelivery]:
        """Delivered rows of ``sellers`` whose escrow is not released yet, oldest license first."""
        with self.sessions() as session:
            query = select(KeyDelivery).where(
                KeyDelivery.chain_id == self.chain_id,
                KeyDelivery.market == self.market,
                KeyDelivery.status == DELIVERED,
                KeyDelivery.seller.in_(sellers),
            )
            return list(session.scalars(query.order_by(KeyDelivery.license_id)))

    def settle_delivered(self, row_id: int, status: str, reason: str) -> KeyDelivery:
        """End a delivered row: ``paid`` (the escrow reached the vault) or ``closed`` (refunded)."""
        if status not in (PAID, CLOSED):
            raise ValueError(f"a delivered row ends {PAID!r} or {CLOSED!r}, not {status!r}")
        self._set(row_id, KeyDelivery.status == DELIVERED, status=status, reason=reason)
        return self._reload(row_id)

    def _set(self, row_id: int, *conditions: object, **values: object) -> bool:
        with self.sessions() as session, session.begin():
            statement = update(KeyDelivery).where(KeyDelivery.id == row_id, *conditions)
            return session.execute(statement.values(updated_at=_now(), **values)).rowcount == 1

    def _reload(self, row_id: int) -> KeyDelivery:
        with self.sessions() as session:
            row = session.get(KeyDelivery, row_id)
            if row is None:
                raise KeyError(row_id)
            return row

    def mark_wrapped(self, row_id: int, wrapped_key_cid: str) -> KeyDelivery:
        """Save the wrapped key's CID, unless another process saved one first; returns the row
        (whose ``wrapped_key_cid`` is the one to record on chain either way)."""
        self._set(row_id, KeyDelivery.status == PENDING, status=WRAPPED, wrapped_key_cid=wrapped_key_cid)
        return self._reload(row_id)

    def mark_delivered(self, row_id: int, wrapped_key_cid: str, delivery_tx: str) -> KeyDelivery:
        self._set(
            row_id, status=DELIVERED, wrapped_key_cid=wrapped_key_cid, delivery_tx=delivery_tx,
            retry_at=None, reason=None,
        )  # fmt: skip
        return self._reload(row_id)

    def close(self, row_id: int, reason: str, status: str = CLOSED) -> KeyDelivery:
        """End an open row for good (``closed``, or ``refused``), saying why."""
        if status not in (CLOSED, REFUSED):
            raise ValueError(f"a row is closed as {CLOSED!r} or {REFUSED!r}, not {status!r}")
        self._set(row_id, KeyDelivery.status.in_(OPEN), status=status, reason=reason, retry_at=None)
        return self._reload(row_id)

    def retry_later(self, row_id: int, reason: str, delay_s: float) -> KeyDelivery:
        """Count a failed attempt and leave the row open until ``delay_s`` from now."""
        row = self._reload(row_id)
        retry_at = _now() + timedelta(seconds=delay_s)
        self._set(row_id, attempts=row.attempts + 1, reason=reason, retry_at=retry_at)
        return self._reload(row_id)

    def next_round(self, row_id: int) -> KeyDelivery:
        """After a sent delivery failed on chain while the license is still pending: the next
        attempt gets a new intent (the outbox keeps the failed one as history and never resigns it)."""
        row = self._reload(row_id)
        prefix = delivery_intent(self.market, row.license_id)
        round_ = 1 if row.intent_id == prefix else int(row.intent_id.rsplit(":", 1)[1]) + 1
        self._set(row_id, intent_id=delivery_intent(self.market, row.license_id, round_))
        return self._reload(row_id)
