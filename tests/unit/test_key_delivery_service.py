"""The key-delivery service's decisions, with the chain replaced by a small in-memory market.

The real thing is exercised on anvil in tests/integration/test_key_delivery.py; here every branch
runs in milliseconds: chunked scanning and its cursor, malformed logs, refusals, the checks against
the license on chain, a crash between wrapping and recording, a locked wallet, failed transactions.
Logs are real ABI-encoded logs decoded by the real bindings; the store and the database are real.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from hexbytes import HexBytes
from web3 import AsyncWeb3

from app.chain.bindings import bind
from app.chain.client import ChainUnavailable
from app.chain.contracts import Deployment
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market import licenses, wrapped_key
from app.market.licenses import Delivery, LicenseRecord, LicenseStatus
from app.market.publish import encrypt_and_store
from app.storage.envelope import decrypt_with_key
from app.storage.local import LocalStore
from app.wallet.calls import CallFailed
from app.wallet.hd import encryption_key_from_mnemonic, signing_account
from app.wallet.keystore import AccountEntry
from app.wallet.outbox import TxReverted
from app.wallet.service import WalletLocked
from app.workers import escrow_release, key_delivery
from app.workers.delivery_ledger import CLOSED, PENDING, REFUSED, WRAPPED
from app.workers.key_delivery import DeliveryConfig, KeyDeliveryService

PHRASE = "test test test test test test test test test test test junk"
MARKET = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SELLER = signing_account(PHRASE, 0).address
BUYER = signing_account(PHRASE, 1).address
STRANGER = signing_account(PHRASE, 2).address
BUYER_KEY = encryption_key_from_mnemonic(PHRASE, 1)
DEPLOYMENT = Deployment(
    "devnet", 31337, 10, "x", {"LicenseMarket": MARKET, "AssetRegistry": "0x" + "22" * 20}
)
DEADLINE = 2_000_000_000
PRICE = 10**18


class FakeWallet:
    """The seller's wallet: account 0 of the test mnemonic."""

    def __init__(self) -> None:
        self.unlocked = True

    def accounts(self) -> list[AccountEntry]:
        return [AccountEntry(0, "seller", SELLER)]

    def _check(self) -> None:
        if not self.unlocked:
            raise WalletLocked()

    def signer(self, index: int | None = None) -> Any:
        self._check()
        return signing_account(PHRASE, index or 0)

    def encryption_key(self, index: int | None = None) -> Any:
        self._check()
        return encryption_key_from_mnemonic(PHRASE, index or 0)


@dataclass
class Chain:
    """A license market in memory: logs, licenses, asset owners and content, deliveries."""

    head: int = 10
    logs: list[dict[str, Any]] = field(default_factory=list)
    licenses: dict[int, LicenseRecord] = field(default_factory=dict)
    holders: dict[int, str] = field(default_factory=dict)
    asset_owners: dict[int, str] = field(default_factory=dict)
    content: dict[int, str] = field(default_factory=dict)
    deliveries: dict[int, str] = field(default_factory=dict)
    log_calls: list[tuple[int, int]] = field(default_factory=list)
    sent: list[tuple[str, int, str, str]] = field(default_factory=list)  # signer, license, cid, intent
    fail_next_send: Exception | None = None
    offline: bool = False
    now: int = DEADLINE - 86_400  # the latest block's timestamp
    released: list[tuple[int, str]] = field(default_factory=list)  # license, intent

    def buy(
        self, license_id: int, asset_id: int, *, pubkey: bytes = BUYER_KEY.public_key, data: Any = None
    ) -> None:
        self.head += 1
        event = bind(AsyncWeb3(), "LicenseMarket", MARKET).events.LicensePurchased()
        topics = [
            HexBytes(event.topic),
            *(HexBytes(v.to_bytes(32, "big")) for v in (license_id, asset_id, int(BUYER, 16))),
        ]
        payload = encode(["uint256", "uint256", "uint256", "bytes"], [1, PRICE, DEADLINE, pubkey])
        self.logs.append({
            "address": MARKET, "topics": topics, "data": HexBytes(data if data is not None else payload),
            "blockNumber": self.head, "transactionHash": HexBytes(self.head.to_bytes(32, "big")),
            "logIndex": 0, "blockHash": HexBytes(b"\x01" * 32), "transactionIndex": 0, "removed": False,
        })  # fmt: skip
        self.licenses[license_id] = LicenseRecord(
            license_id, 1, DEADLINE, 0, LicenseStatus.PENDING, 250, PRICE, False
        )
        self.holders[license_id] = BUYER


class FakeClient:
    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.w3 = AsyncWeb3()

    async def block_number(self) -> int:
        if self.chain.offline:
            raise ChainUnavailable("http://127.0.0.1:1 is unreachable")
        return self.chain.head


class FakeOutbox:
    chain_id = 31337

    def __init__(self, chain: Chain) -> None:
        self.client = FakeClient(chain)

    def find_intent(self, sender: str, intent_id: str) -> Any:
        return None


@pytest.fixture
def chain(monkeypatch: pytest.MonkeyPatch) -> Chain:
    chain = Chain()

    async def fetch_logs(client: Any, address: str, topics: Any, start: int, end: int) -> list[Any]:
        chain.log_calls.append((start, end))
        return [log for log in chain.logs if start <= log["blockNumber"] <= end]

    async def read_license(client: Any, deployment: Any, license_id: int) -> LicenseRecord:
        if chain.offline:
            raise ChainUnavailable("down")
        missing = LicenseRecord(license_id, 0, 0, 0, LicenseStatus.NONE, 0, 0, False)
        return chain.licenses.get(license_id, missing)

    async def chain_time(client: Any) -> int:
        return chain.now

    async def license_holder(client: Any, deployment: Any, license_id: int) -> str | None:
        return chain.holders.get(license_id)

    async def asset_of_license(client: Any, deployment: Any, license_id: int) -> int:
        return 1 if license_id in chain.licenses else 0

    async def asset_owner(client: Any, deployment: Any, asset_id: int) -> str | None:
        return chain.asset_owners.get(asset_id)

    async def asset_content_cid(client: Any, deployment: Any, asset_id: int) -> Any:
        from app.storage import as_cid

        return as_cid(chain.content[asset_id])

    async def find_delivery(client: Any, deployment: Any, license_id: int, **_: Any) -> Delivery | None:
        cid = chain.deliveries.get(license_id)
        return None if cid is None else Delivery(license_id, 1, cid, 0, chain.head)

    async def transact(outbox: Any, signer: Any, deployment: Any, contract: str, function: str, *args: Any,
                       intent: str, **_: Any) -> Any:  # fmt: skip
        if function == "release":
            (license_id,) = args
            chain.released.append((license_id, intent))
            old = chain.licenses[license_id]
            assert old.status == LicenseStatus.DELIVERED and chain.now > old.deadline, "released early"
            chain.licenses[license_id] = dataclasses.replace(old, status=LicenseStatus.SETTLED, paid=0)
            return {"transactionHash": b"\x05" * 32, "blockNumber": chain.head}
        assert (contract, function) == ("LicenseMarket", "recordDelivery")
        if chain.fail_next_send is not None:
            error, chain.fail_next_send = chain.fail_next_send, None
            raise error
        license_id, cid = args
        chain.sent.append((signer.address, license_id, cid, intent))
        record = chain.licenses[license_id]
        chain.licenses[license_id] = LicenseRecord(
            license_id, 1, DEADLINE, 9, LicenseStatus.DELIVERED, 250, PRICE, False
        )
        assert record.status == LicenseStatus.PENDING, "delivered twice"
        chain.deliveries[license_id] = cid
        chain.head += 1
        return {"transactionHash": chain.head.to_bytes(32, "big"), "blockNumber": chain.head, "cid": cid}

    def events(outbox: Any, deployment: Any, contract: str, event: str, receipt: Any) -> list[Any]:
        return [{"args": {"wrappedKeyCid": receipt["cid"]}}]

    for name, fake in [("fetch_logs", fetch_logs), ("read_license", read_license),
                       ("license_holder", license_holder), ("asset_of_license", asset_of_license),
                       ("asset_owner", asset_owner), ("asset_content_cid", asset_content_cid),
                       ("find_delivery", find_delivery), ("chain_time", chain_time)]:  # fmt: skip
        monkeypatch.setattr(licenses, name, fake)
    monkeypatch.setattr(key_delivery, "transact", transact)
    monkeypatch.setattr(escrow_release, "transact", transact)
    monkeypatch.setattr(key_delivery, "events", events)
    return chain


@dataclass
class Seller:
    chain: Chain
    store: LocalStore
    db: Path
    wallet: FakeWallet
    data: bytes

    def service(self, **config: Any) -> KeyDeliveryService:
        upgrade(self.db)
        sessions = session_factory(make_engine(self.db))
        settings = DeliveryConfig(chunk_blocks=config.pop("chunk_blocks", 4), retry_base_s=0, **config)
        return KeyDeliveryService(
            sessions,
            FakeOutbox(self.chain),
            DEPLOYMENT,
            self.store,
            self.wallet,
            config=settings,  # type: ignore[arg-type]
        )


@pytest.fixture
def seller(chain: Chain, tmp_path: Path) -> Seller:
    store = LocalStore(tmp_path / "blobs")
    data = bytes(range(256)) * 300
    source = tmp_path / "dataset.bin"
    source.write_bytes(data)
    chain.content[1] = str(
        encrypt_and_store(store, source, encryption_key_from_mnemonic(PHRASE, 0).public_key)
    )
    chain.asset_owners[1] = SELLER
    chain.asset_owners[2] = STRANGER
    return Seller(chain, store, tmp_path / "seller.db", FakeWallet(), data)


def once(service: KeyDeliveryService) -> key_delivery.PassReport:
    return asyncio.run(service.run_once())


def buyer_can_decrypt(seller: Seller, license_id: int) -> bool:
    blob = b"".join(seller.store.get(seller.chain.deliveries[license_id]))
    key = wrapped_key.open_sealed(blob, BUYER_KEY.private_key)
    return b"".join(decrypt_with_key(seller.store.get(seller.chain.content[1]), key)) == seller.data


def test_delivers_a_purchase_once_and_the_buyer_can_decrypt(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    report = once(seller.service())
    assert report.seen == 1 and report.delivered == [1] and report.stopped is None
    (sent,) = seller.chain.sent
    assert sent[0] == SELLER and sent[1] == 1 and sent[3] == f"deliver:{MARKET.lower()}:1"
    assert buyer_can_decrypt(seller, 1)
    assert once(seller.service()).delivered == []  # a restart: nothing is sent again
    assert len(seller.chain.sent) == 1


@pytest.mark.parametrize("now", [DEADLINE + 1, DEADLINE - 60])
def test_no_delivery_is_sent_after_or_too_close_to_the_deadline(seller: Seller, now: int) -> None:
    """Mined after ``deliverBy`` the contract refuses it (the buyer refunds): never send one."""
    seller.chain.now = now
    seller.chain.buy(1, asset_id=1)
    service = seller.service()
    report = once(service)
    assert report.closed == [1] and seller.chain.sent == []
    (row,) = service.ledger.rows()
    assert "deadline" in (row.reason or "") and row.wrapped_key_cid is None


def test_the_escrow_is_collected_once_the_dispute_window_has_passed(seller: Seller) -> None:
    """A delivered license's price reaches the royalty vault only through ``release``: the seller's
    service sends it after the window (on chain time), once, and marks the row paid."""
    seller.chain.buy(1, asset_id=1)
    service = seller.service()
    assert once(service).delivered == [1] and seller.chain.released == []  # window still open
    assert once(service).paid == [] and seller.chain.released == []
    seller.chain.now = DEADLINE + 1  # the fake delivery's window ends at DEADLINE
    assert once(service).paid == [1]
    assert seller.chain.released == [(1, f"release:{MARKET.lower()}:1")]
    assert once(service).paid == [] and len(seller.chain.released) == 1
    (row,) = service.ledger.rows()
    assert row.status == "paid"


def test_a_refund_won_in_dispute_closes_the_delivered_row(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    service = seller.service()
    once(service)
    seller.chain.licenses[1] = dataclasses.replace(seller.chain.licenses[1], status=LicenseStatus.REFUNDED)
    assert once(service).paid == [] and seller.chain.released == []
    (row,) = service.ledger.rows()
    assert row.status == "closed" and "dispute" in (row.reason or "")


def test_scans_in_chunks_from_the_cursor_and_only_for_our_assets(seller: Seller) -> None:
    seller.chain.head = 30
    for license_id in range(1, 8):
        seller.chain.buy(license_id, asset_id=1 if license_id % 2 else 2)  # even ones: a stranger's asset
    service = seller.service()
    report = once(service)
    assert report.scanned_to == 37
    assert seller.chain.log_calls == [(10, 13), (14, 17), (18, 21), (22, 25), (26, 29), (30, 33), (34, 37)]
    assert sorted(report.delivered) == [1, 3, 5, 7] and len(service.ledger.rows()) == 4
    seller.chain.log_calls.clear()
    once(seller.service())  # a restart reads on from the saved cursor (the 4 delivery blocks)
    assert seller.chain.log_calls == [(38, 41)] and len(seller.chain.sent) == 4


def test_confirmations_hold_back_the_newest_blocks(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    service = seller.service(confirmations=2)
    assert once(service).seen == 0
    seller.chain.head += 2
    assert once(service).delivered == [1]


def test_a_malformed_log_is_skipped_without_stalling_the_cursor(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1, data=b"\x00" * 5)  # cannot be decoded
    seller.chain.buy(2, asset_id=1)
    report = once(seller.service())
    assert report.delivered == [2] and report.scanned_to == 12


def test_a_bad_buyer_key_is_refused_and_never_sent(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1, pubkey=b"\x01" * 64)
    seller.chain.buy(2, asset_id=1, pubkey=b"\x02" * 10)
    seller.chain.buy(3, asset_id=1)
    service = seller.service()
    assert once(service).delivered == [3]
    rows = {row.license_id: row for row in service.ledger.rows()}
    assert rows[1].status == rows[2].status == REFUSED
    assert "secp256k1" in (rows[1].reason or "") and "10 bytes" in (rows[2].reason or "")
    assert [sent[1] for sent in seller.chain.sent] == [3]


def test_a_crash_between_wrapping_and_recording_delivers_the_same_wrap_once(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    seller.chain.fail_next_send = SystemExit("killed")  # stands in for kill -9 right after the wrap
    with pytest.raises(SystemExit):
        once(seller.service())
    row = seller.service().ledger.get(1)
    assert row is not None and row.status == WRAPPED and row.wrapped_key_cid
    blobs = sorted(p.name for p in (seller.store.root / "objects").rglob("bafk*"))
    report = once(seller.service())  # the restarted process
    assert report.delivered == [1]
    (sent,) = seller.chain.sent
    assert sent[2] == row.wrapped_key_cid  # recorded what was saved, not a second wrap
    assert sorted(p.name for p in (seller.store.root / "objects").rglob("bafk*")) == blobs
    assert buyer_can_decrypt(seller, 1)


def test_licenses_no_longer_pending_are_closed_or_recognised(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    seller.chain.buy(2, asset_id=1)
    service = seller.service()
    asyncio.run(service.scan())
    refunded = LicenseRecord(1, 1, DEADLINE, 0, LicenseStatus.REFUNDED, 250, 0, False)
    seller.chain.licenses[1] = refunded
    seller.chain.licenses[2] = LicenseRecord(2, 1, DEADLINE, 9, LicenseStatus.DELIVERED, 250, PRICE, False)
    seller.chain.deliveries[2] = (
        "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"  # someone else's
    )
    report = once(service)
    assert sorted(report.closed) == [1, 2] and seller.chain.sent == []
    rows = {row.license_id: row for row in service.ledger.rows()}
    assert "refund" in (rows[1].reason or "") and "another device" in (rows[2].reason or "")


def test_a_delivery_mined_before_a_crash_is_recognised_as_ours(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    service = seller.service()
    asyncio.run(service.scan())
    row = service.ledger.get(1)
    assert row is not None
    service.ledger.mark_wrapped(row.id, "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
    seller.chain.licenses[1] = LicenseRecord(1, 1, DEADLINE, 9, LicenseStatus.DELIVERED, 250, PRICE, False)
    seller.chain.deliveries[1] = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
    assert once(service).delivered == [1] and seller.chain.sent == []


@pytest.mark.parametrize("field_name", ["holders", "asset"])
def test_an_event_that_disagrees_with_the_license_is_not_delivered(seller: Seller, field_name: str) -> None:
    seller.chain.buy(1, asset_id=1)
    if field_name == "holders":
        seller.chain.holders[1] = STRANGER  # e.g. a reorganised chain gave license 1 to someone else
    else:
        seller.chain.licenses[1] = LicenseRecord(1, 2, DEADLINE, 0, LicenseStatus.PENDING, 250, PRICE, False)
    service = seller.service()
    assert once(service).closed == [1] and seller.chain.sent == []
    row = service.ledger.get(1)
    assert row is not None and row.status == CLOSED and "differ" in (row.reason or "")


def test_an_asset_sold_meanwhile_is_left_to_its_new_owner(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    service = seller.service()
    asyncio.run(service.scan())
    seller.chain.asset_owners[1] = STRANGER
    assert once(service).closed == [1] and seller.chain.sent == []


def test_a_locked_wallet_pauses_deliveries_without_losing_them(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    seller.wallet.unlocked = False
    service = seller.service()
    report = once(service)
    assert report.seen == 1 and report.stopped is not None and "locked" in report.stopped
    row = service.ledger.get(1)
    assert row is not None and row.status == PENDING and row.attempts == 0
    seller.wallet.unlocked = True
    assert once(service).delivered == [1]


def test_offline_pauses_the_pass(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    seller.chain.offline = True
    report = once(seller.service())
    assert report.stopped is not None and "unreachable" in report.stopped and report.seen == 0


def test_a_refused_transaction_is_retried_later(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    seller.chain.fail_next_send = TxReverted("This transaction would fail: InsufficientFunds")
    service = seller.service()
    assert once(service).waiting == [1]
    row = service.ledger.get(1)
    assert row is not None and row.attempts == 1 and row.status == WRAPPED
    assert row.intent_id == f"deliver:{MARKET.lower()}:1"  # nothing was signed: same intent
    assert once(service).delivered == [1]


def test_a_sent_transaction_that_failed_gets_a_new_intent(seller: Seller) -> None:
    seller.chain.buy(1, asset_id=1)
    seller.chain.fail_next_send = CallFailed("Deliver the key of license 1 failed: reverted")
    service = seller.service()
    assert once(service).waiting == [1]
    assert once(service).delivered == [1]
    assert seller.chain.sent[0][3] == f"deliver:{MARKET.lower()}:1:1"


def test_content_not_encrypted_to_the_seller_waits_with_a_reason(seller: Seller, tmp_path: Path) -> None:
    source = tmp_path / "other.bin"
    source.write_bytes(b"not ours")
    seller.chain.content[1] = str(encrypt_and_store(seller.store, source, BUYER_KEY.public_key))
    seller.chain.buy(1, asset_id=1)
    service = seller.service()
    assert once(service).waiting == [1]
    row = service.ledger.get(1)
    assert row is not None and row.status == PENDING and "not encrypted to any account" in (row.reason or "")
    assert seller.chain.sent == []


def test_run_keeps_going_after_an_unexpected_error(seller: Seller, monkeypatch: pytest.MonkeyPatch) -> None:
    service = seller.service(interval_s=0.01)
    calls = 0

    async def flaky() -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("a glitch")
        return key_delivery.PassReport()

    monkeypatch.setattr(service, "run_once", flaky)

    async def main() -> None:
        task = asyncio.create_task(service.run())
        while calls < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert calls >= 3
