"""Key delivery, the seller's side of a license sale: a buyer paid, so hand them the content key.

``LicenseMarket.buyWithPermit`` escrows the price and publishes the buyer's encryption public key
in ``LicensePurchased``; the money moves to the seller's royalty vault only when the seller records
delivery of the content key, and the buyer may take a refund if that does not happen in time. So
a seller's app must notice every purchase of its assets and deliver promptly, without a person
doing anything, after crashes too. Each pass of this service:

1. **scans** the market's ``LicensePurchased`` logs from a persisted cursor, in bounded block
   chunks, keeping those whose asset one of the served accounts owns (``purchase_scan``); each
   event is checked field by field (``app.market.purchases``) and becomes a row in the ledger in
   the same database transaction that moves the cursor;
2. **delivers** each open row: re-reads the license on chain (still pending, and matching the
   event: offer, price, deadline, holder, asset), takes the asset's content key from the owner's
   own copy of the encrypted content (the seller is a reader of its blob: read the header, unwrap
   with the owner's encryption key, so no key is ever stored: ``content_keys``), wraps it to the
   buyer's key (``app.market.wrapped_key``), stores that blob, saves its CID, and records it with
   ``recordDelivery`` through the outbox under the intent ``deliver:<market>:<licenseId>``, never
   after (or within ``deadline_margin_s`` of) the delivery deadline on chain time;
3. **collects** the escrow of each license it delivered once its dispute window has passed
   (``escrow_release``): the seller's revenue reaches the asset's royalty vault.

Why it is safe to stop anywhere: see ``delivery_ledger``. Failures that time may cure (a locked
wallet, no network, a missing blob, no ETH for gas) leave the row open and are retried with
backoff; only a purchase whose key is unusable is refused, and only a license that is no longer
pending is closed. The same class runs in the GUI and in ``sahara serve`` (``run``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from eth_utils import to_checksum_address

from app.chain.client import ChainClient, ChainUnavailable
from app.chain.contracts import Deployment
from app.db.models import KeyDelivery
from app.market import licenses, wrapped_key
from app.market.licenses import LicenseRecord, LicenseStatus
from app.storage import BlobStore, StorageError
from app.wallet.calls import CallFailed, events, transact
from app.wallet.hd import EncryptionKey
from app.wallet.keystore import AccountEntry
from app.wallet.outbox import Outbox, OutboxError, Signer, TxReverted
from app.wallet.service import WalletLocked
from app.workers import purchase_scan
from app.workers.content_keys import ContentKeys
from app.workers.delivery_ledger import DELIVERED, PENDING, WRAPPED, DeliveryLedger
from app.workers.escrow_release import release_matured

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


log = logging.getLogger(__name__)

MARKET = licenses.MARKET


class SellerWallet(Protocol):
    """What the service needs from the wallet (``WalletService`` fits): addresses while locked,
    keys only while unlocked (they raise ``WalletLocked`` otherwise)."""

    @property
    def unlocked(self) -> bool: ...

    def accounts(self) -> list[AccountEntry]: ...

    def signer(self, index: int | None = None) -> Signer: ...

    def encryption_key(self, index: int | None = None) -> EncryptionKey: ...


@dataclass(frozen=True)
class DeliveryConfig:
    interval_s: float = 5.0  # between passes
    chunk_blocks: int = 2_000  # blocks per eth_getLogs call (public RPCs refuse wide ranges)
    confirmations: int = 0  # blocks a purchase must be buried under before it is acted on
    retry_base_s: float = 15.0  # first retry delay of a failed delivery; doubles per attempt
    retry_max_s: float = 3_600.0
    tx_timeout_s: float = 60.0  # how long one pass waits for a recordDelivery to be mined
    # A delivery is not sent when the chain's clock is this close to the deadline: mined after
    # it, recordDelivery reverts (DeliveryLate) and the buyer takes a refund anyway.
    deadline_margin_s: int = 120


@dataclass
class PassReport:
    """What one pass did, by license id (for logs, tests and a status line)."""

    scanned_to: int | None = None  # last block scanned (None: nothing scanned)
    seen: int = 0  # new purchases of served assets (refused ones included)
    delivered: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)  # open, retried later
    paid: list[int] = field(default_factory=list)  # escrow released to the royalty vault
    stopped: str | None = None  # why the pass ended early (wallet locked, network down)


class PassStopped(Exception):
    """Nothing more can be done this pass (locked wallet, unreachable node); not an error:
    ``run_once`` turns it into ``PassReport.stopped``, and the next pass tries again."""


class KeyDeliveryService:
    """Deliver content keys for purchases of the served accounts' assets on one market."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        outbox: Outbox,
        deployment: Deployment,
        store: BlobStore,
        wallet: SellerWallet,
        *,
        accounts: Sequence[int] | None = None,
        config: DeliveryConfig | None = None,
    ) -> None:
        self.outbox = outbox
        self.deployment = deployment
        self.store = store
        self.wallet = wallet
        self.account_indices = None if accounts is None else tuple(accounts)
        self.config = config or DeliveryConfig()
        self.market = to_checksum_address(deployment.address(MARKET))
        self.ledger = DeliveryLedger(sessions, outbox.chain_id, self.market)
        self.content_keys = ContentKeys(store)
        self._last_stop: str | None = None

    @property
    def client(self) -> ChainClient:
        return self.outbox.client  # read each time: the runtime swaps it when the devnet restarts

    def served(self) -> list[AccountEntry]:
        """The wallet accounts whose assets this service delivers for."""
        entries = self.wallet.accounts()
        if self.account_indices is None:
            return entries
        return [entry for entry in entries if entry.index in self.account_indices]

    # -- the loop --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Pass after pass until cancelled. An unexpected error is logged and the next pass runs:
        one bad purchase or a passing glitch must not stop deliveries for everyone else."""
        names = ", ".join(entry.address for entry in self.served()) or "no accounts yet"
        log.info("key delivery: watching %s on chain %d for %s", self.market, self.outbox.chain_id, names)
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("key delivery: the pass failed; trying again in %.0f s", self.config.interval_s)
            await asyncio.sleep(self.config.interval_s)

    async def run_once(self) -> PassReport:
        """One scan and one round of deliveries."""
        report = PassReport()
        try:
            await self.scan(report)
            await self.deliver_due(report)
            await self.collect(report)
        except PassStopped as stop:
            report.stopped = str(stop)
        if report.stopped != self._last_stop:  # say it once, not every few seconds
            if report.stopped:
                log.info("key delivery: paused: %s", report.stopped)
            elif self._last_stop:
                log.info("key delivery: resumed")
            self._last_stop = report.stopped
        return report

    # -- scanning --------------------------------------------------------------------------------

    async def scan(self, report: PassReport | None = None) -> PassReport:
        """Read new purchases up to the confirmed head into the ledger (``PassStopped`` if offline)."""
        report = report or PassReport()
        addresses = [entry.address for entry in self.served()]
        if not addresses:
            return report  # no cursor moves: purchases stay ahead until there is an account to serve
        try:
            head = await self.client.block_number() - self.config.confirmations
            start = self.ledger.start_block(addresses, default=self.deployment.block)
            owners: dict[int, str | None] = {}
            while start <= head:
                end = min(start + self.config.chunk_blocks - 1, head)
                found = await purchase_scan.sightings(
                    self.client, self.deployment, self.market, start, end, set(addresses), owners
                )
                report.seen += self.ledger.record_scan(found, addresses, end + 1)
                report.scanned_to = end
                start = end + 1
        except ChainUnavailable as exc:
            raise PassStopped(f"the network is unreachable ({exc})") from exc
        return report

    # -- delivering ------------------------------------------------------------------------------

    async def deliver_due(self, report: PassReport | None = None) -> PassReport:
        """Work through every open row whose retry time has come (``PassStopped`` if the wallet
        locks or the network goes away on the way)."""
        report = report or PassReport()
        for row in self.ledger.due([entry.address for entry in self.wallet.accounts()]):
            row = await self._attempt(row)
            bucket = {DELIVERED: report.delivered, PENDING: report.waiting, WRAPPED: report.waiting}
            bucket.get(row.status, report.closed).append(row.license_id)
        return report

    async def _attempt(self, row: KeyDelivery) -> KeyDelivery:
        """Try to deliver one row; whatever happens, the ledger says what to do next."""
        try:
            try:
                return await self._deliver(row)
            except TimeoutError:
                log.info(
                    "key delivery: license %d: its delivery is not mined yet; still waiting", row.license_id
                )
                return self.ledger.get(row.license_id) or row
            except CallFailed as exc:  # sent, but not mined successfully: this intent is used up
                return await self._after_failure(row, str(exc), new_round=True)
            except (TxReverted, OutboxError, StorageError) as exc:  # nothing was signed or sent
                return await self._after_failure(row, str(exc), new_round=False)
        except WalletLocked as exc:
            raise PassStopped("the wallet is locked; deliveries wait until it is unlocked") from exc
        except ChainUnavailable as exc:
            raise PassStopped(f"the network is unreachable ({exc})") from exc

    async def collect(self, report: PassReport | None = None) -> PassReport:
        """Release the escrow of delivered licenses whose dispute window has passed."""
        report = report or PassReport()
        served = self.served()
        if not served:
            return report
        try:
            report.paid += await release_matured(
                self.ledger, self.outbox, self.deployment, served, self.wallet.signer(served[0].index),
                timeout_s=self.config.tx_timeout_s,
            )  # fmt: skip
        except WalletLocked as exc:
            raise PassStopped("the wallet is locked; payments wait until it is unlocked") from exc
        except ChainUnavailable as exc:
            raise PassStopped(f"the network is unreachable ({exc})") from exc
        return report

    async def _after_failure(self, row: KeyDelivery, reason: str, *, new_round: bool) -> KeyDelivery:
        record = await licenses.read_license(self.client, self.deployment, row.license_id)
        if record.status != LicenseStatus.PENDING:
            return await self._settle(row, record)
        if new_round:
            row = self.ledger.next_round(row.id)
        delay = min(self.config.retry_base_s * 2**row.attempts, self.config.retry_max_s)
        log.warning(
            "key delivery: license %d not delivered (%s); retry in %.0f s", row.license_id, reason, delay
        )
        return self.ledger.retry_later(row.id, reason, delay)

    async def _deliver(self, row: KeyDelivery) -> KeyDelivery:
        record = await licenses.read_license(self.client, self.deployment, row.license_id)
        if record.status != LicenseStatus.PENDING:
            return await self._settle(row, record)
        mismatch = await self._mismatch(row, record)
        if mismatch:
            log.warning("key delivery: license %d: %s", row.license_id, mismatch)
            return self.ledger.close(row.id, mismatch)
        now = await licenses.chain_time(self.client)
        if now + self.config.deadline_margin_s > record.deadline:
            reason = "the delivery deadline has passed (or is too close to make): the buyer may take a refund"
            log.warning("key delivery: license %d not delivered: %s", row.license_id, reason)
            return self.ledger.close(row.id, reason)
        owner = await licenses.asset_owner(self.client, self.deployment, row.asset_id)
        seller = next((entry for entry in self.served() if entry.address == owner), None)
        if seller is None:
            mine = {entry.address: entry.index for entry in self.wallet.accounts()}
            if owner in mine:  # another account of this wallet, which another service delivers for
                reason = f"the asset belongs to account {mine[owner]}, which this service does not serve"
                return self.ledger.retry_later(row.id, reason, self.config.retry_max_s)
            return self.ledger.close(row.id, f"the asset now belongs to {owner}, who delivers its keys")
        if row.wrapped_key_cid is None:
            row = await self._wrap(row, seller)
        assert row.wrapped_key_cid is not None
        receipt = await transact(
            self.outbox,
            self.wallet.signer(seller.index),
            self.deployment,
            MARKET,
            "recordDelivery",
            row.license_id,
            row.wrapped_key_cid,
            intent=row.intent_id,
            description=f"Deliver the key of license {row.license_id} (asset {row.asset_id})",
            timeout=self.config.tx_timeout_s,
        )
        recorded = events(self.outbox, self.deployment, MARKET, "KeyDelivered", receipt)
        cid = str(recorded[0]["args"]["wrappedKeyCid"]) if recorded else row.wrapped_key_cid
        tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
        log.info(
            "key delivery: license %d of asset %d delivered (wrapped key %s, block %d)",
            row.license_id, row.asset_id, cid, int(receipt["blockNumber"]),
        )  # fmt: skip
        return self.ledger.mark_delivered(row.id, cid, tx_hash)

    async def _wrap(self, row: KeyDelivery, seller: AccountEntry) -> KeyDelivery:
        """Wrap the asset's key to the buyer, store it, and save its CID before anything is signed."""
        content_key = await self.content_keys.get(
            self.client, self.deployment, row.asset_id, lambda: self._private_keys(seller.index)
        )
        blob = wrapped_key.seal(content_key, bytes.fromhex(row.buyer_pubkey))
        cid = await asyncio.to_thread(self.store.put, [blob])
        return self.ledger.mark_wrapped(row.id, str(cid))

    def _private_keys(self, owner_index: int) -> list[bytes]:
        """The wallet's encryption keys, the asset owner's first (``WalletLocked`` if locked)."""
        order = [owner_index] + [e.index for e in self.wallet.accounts() if e.index != owner_index]
        return [self.wallet.encryption_key(index).private_key for index in order]

    async def _mismatch(self, row: KeyDelivery, record: LicenseRecord) -> str | None:
        """Why the recorded purchase and the license on chain disagree (a reorganised chain can
        reuse a license id for someone else's purchase), or None when they agree."""
        holder = await licenses.license_holder(self.client, self.deployment, row.license_id)
        asset = await licenses.asset_of_license(self.client, self.deployment, row.license_id)
        differing = [
            name
            for name, ours, theirs in (
                ("offer", row.offer_id, record.offer_id),
                ("price", row.price, str(record.paid)),
                ("deadline", row.deliver_by, record.deadline),
                ("holder", row.buyer, holder),
                ("asset", row.asset_id, asset),
            )
            if ours != theirs
        ]
        if not differing:
            return None
        return f"the purchase event and the license on chain differ ({', '.join(differing)}); not delivering"

    async def _settle(self, row: KeyDelivery, record: LicenseRecord) -> KeyDelivery:
        """Close a row whose license is no longer pending, or mark it delivered if we delivered it
        (a crash after the transaction was mined but before the row was updated)."""
        if record.status.delivered:
            found = await licenses.find_delivery(
                self.client, self.deployment, row.license_id, since_block=row.purchase_block
            )
            if found is not None and row.wrapped_key_cid == found.wrapped_key_cid:
                log.info(
                    "key delivery: license %d of asset %d delivered (wrapped key %s, block %d)",
                    row.license_id, row.asset_id, found.wrapped_key_cid, found.block,
                )  # fmt: skip
                return self.ledger.mark_delivered(row.id, found.wrapped_key_cid, self._our_tx(row) or "")
            reason = "the key was delivered by another device or process"
        elif record.status == LicenseStatus.REFUNDED:
            reason = "the buyer took a refund: the key was not delivered in time"
        else:
            reason = "the license is not on chain (the purchase was reorganised away)"
        log.info("key delivery: license %d closed: %s", row.license_id, reason)
        return self.ledger.close(row.id, reason)

    def _our_tx(self, row: KeyDelivery) -> str | None:
        """The hash of this row's delivery transaction in the outbox, if one was sent from here."""
        for entry in self.wallet.accounts():
            tx = self.outbox.find_intent(entry.address, row.intent_id)
            if tx is not None:
                return tx.tx_hash
        return None
