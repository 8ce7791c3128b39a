"""Key delivery end to end on a real devnet: a seller publishes, a buyer pays, the seller's service
delivers, the buyer decrypts; restarts and ``kill -9`` never deliver twice; bad keys are refused.

The contracts are deployed once for the module. Every account comes from the devnet mnemonic, and
each test has its own seller and buyer so the tests pass alone and in any order. The seller's
wallet is a real ``WalletService`` (imported from the account's private key); a blob store shared
by seller and buyer stands in for IPFS. The ``kill -9`` test runs the real ``sahara serve`` in a
subprocess behind a small JSON-RPC proxy that can hold one kind of request, so the process is
killed at an exact point between wrapping the key and recording the delivery.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from devchain import Chain, Env, acct
from devchain import run as on_chain
from eth_account.signers.local import LocalAccount

from app.chain.bindings import bind, encode_call
from app.chain.contracts import save_deployment
from app.chain.devnet import DEVNET_CHAIN_ID
from app.chain.permit import signed_permit
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.access import AccessError, fetch_licensed_content
from app.market.licenses import find_delivery
from app.market.publish import encrypt_and_store
from app.paths import app_paths
from app.storage import DecryptionError
from app.storage.local import LocalStore
from app.wallet.deploy import DeployConfig
from app.wallet.faucet import DEV_MNEMONIC, treasury
from app.wallet.hd import EncryptionKey, encryption_key_from_mnemonic
from app.wallet.outbox import Outbox
from app.wallet.service import WalletService
from app.workers.delivery_ledger import DELIVERED, REFUSED, WRAPPED
from app.workers.key_delivery import DeliveryConfig, KeyDeliveryService

E18 = 10**18
META = "bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq"
ZERO32 = b"\0" * 32
DATASET = 0
PASSWORD = "correct horse battery staple"
T = TypeVar("T")


def digits_csv(path: Path) -> bytes:
    """A few hundred KB of real dataset bytes: scikit-learn's digits as CSV when it is installed,
    else the same shape generated (10 glyphs on an 8x8 grid, 1,797 noisy samples)."""
    try:
        from sklearn.datasets import load_digits

        digits = load_digits()
        images, labels = digits.data.astype(int), digits.target
    except ImportError:
        rng = np.random.default_rng(6)
        glyphs = rng.integers(0, 17, size=(10, 64))
        labels = rng.integers(0, 10, size=1797)
        images = np.clip(glyphs[labels] + rng.integers(-3, 4, size=(1797, 64)), 0, 16)
    rows = [",".join([*(f"p{i}" for i in range(64)), "label"])]
    rows += [",".join(map(str, [*image, label])) for image, label in zip(images, labels, strict=True)]
    data = ("\n".join(rows) + "\n").encode()
    path.write_bytes(data)
    return data


# ------------------------------------------------------------------------------------- the chain
class MarketChain(Chain):
    """The shared chain view plus listing, buying and reading deliveries."""

    async def list_asset(self, seller: LocalAccount, content_cid: str, price: int) -> int:
        """Register the asset and offer perpetual licenses at ``price``; returns the offer id."""
        registration = (DATASET, content_cid, META, [], 0, 0, ZERO32, 0, "", "0x" + "00" * 20, 0, 0)
        asset = await self.emit(seller, "AssetRegistry", "register", registration, event="AssetRegistered")
        terms = (asset["assetId"], price, 0, 0, True, False, False)
        offer = await self.emit(seller, "LicenseMarket", "createOffer", terms, event="OfferCreated")
        return int(offer["offerId"])

    async def buy(self, buyer: LocalAccount, offer: int, pubkey: bytes, price: int) -> int:
        """Fund ``buyer`` and buy with a permit, publishing ``pubkey``; returns the license id."""
        await self.send(treasury(), "SaharaToken", "transfer", buyer.address, price)
        market = self.deployment.address("LicenseMarket")
        permit = await signed_permit(
            self.client, self.deployment.address("SaharaToken"), buyer, market, price
        )
        args = (offer, pubkey, *permit.args)
        bought = await self.emit(buyer, "LicenseMarket", "buyWithPermit", *args, event="LicensePurchased")
        return int(bought["licenseId"])

    async def deliveries(self, license_id: int) -> list[Any]:
        market = bind(self.client.w3, "LicenseMarket", self.deployment.address("LicenseMarket"))
        event = market.events.KeyDelivered()
        logs = await self.client.w3.eth.get_logs(
            {
                "address": market.address,
                "topics": [event.topic, "0x" + license_id.to_bytes(32, "big").hex()],
                "fromBlock": self.deployment.block,
                "toBlock": "latest",
            }
        )
        return [event.process_log(log)["args"] for log in logs]


def run(env: Env, body: Callable[[MarketChain], Awaitable[T]]) -> T:
    return on_chain(env, body, MarketChain)


# ------------------------------------------------------------------------------------ the seller
@dataclass
class Seller:
    """One seller's app: its wallet, database and the blob store it shares with buyers."""

    account: LocalAccount
    wallet: WalletService
    db: Path
    store: LocalStore

    @property
    def key(self) -> EncryptionKey:
        return self.wallet.encryption_key(0)

    def service(self, chain: MarketChain, **config: Any) -> KeyDeliveryService:
        """A fresh service object over the seller's database: a restart is a new one of these."""
        sessions = session_factory(make_engine(self.db))
        outbox = Outbox(sessions, chain.client, DEVNET_CHAIN_ID)
        settings = DeliveryConfig(**{"interval_s": 0.2, **config})
        return KeyDeliveryService(
            sessions, outbox, chain.deployment, self.store, self.wallet, config=settings
        )


def make_seller(tmp_path: Path, index: int) -> Seller:
    wallet = WalletService(tmp_path / f"wallet-{index}", scrypt_n=1 << 12)
    wallet.import_private_key(acct(index).key.hex(), PASSWORD)
    assert wallet.accounts()[0].address == acct(index).address
    db = tmp_path / f"seller-{index}.db"
    upgrade(db)
    return Seller(acct(index), wallet, db, LocalStore(tmp_path / "blobs"))


def buyer_key(index: int) -> EncryptionKey:
    return encryption_key_from_mnemonic(DEV_MNEMONIC, index)


def outbox_rows(db: Path, intent_prefix: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        query = "SELECT intent_id, kind, tx_hash FROM outbox_tx WHERE intent_id LIKE ? ORDER BY id"
        return conn.execute(query, (intent_prefix + "%",)).fetchall()


# ------------------------------------------------------------------------------------ the tests
def test_sell_deliver_decrypt_and_restart_without_delivering_twice(env: Env, tmp_path: Path) -> None:
    seller = make_seller(tmp_path, 0)
    buyer, key = acct(1), buyer_key(1)
    price = 25 * E18
    data = digits_csv(tmp_path / "digits.csv")
    assert 200_000 < len(data) < 1_000_000

    async def body(c: MarketChain) -> None:
        content = await asyncio.to_thread(
            encrypt_and_store, seller.store, tmp_path / "digits.csv", seller.key.public_key
        )
        offer = await c.list_asset(seller.account, str(content), price)
        license_id = await c.buy(buyer, offer, key.public_key, price)
        out = tmp_path / "bought.csv"
        with pytest.raises(AccessError, match="not delivered the key"):
            await fetch_licensed_content(
                c.client, c.deployment, seller.store, license_id, buyer.address, key.private_key, out
            )
        asset = await c.read("LicenseMarket", "assetOfLicense", license_id)
        pending = await c.read("RoyaltyVault", "pending", asset)

        report = await seller.service(c).run_once()
        assert report.delivered == [license_id] and report.stopped is None
        assert await c.read("LicenseMarket", "isValidLicense", license_id, buyer.address)
        fee = price * DeployConfig().fee_bps // 10_000
        assert await c.read("RoyaltyVault", "pending", asset) == pending  # held for the dispute window

        accessed = await fetch_licensed_content(
            c.client, c.deployment, seller.store, license_id, buyer.address, key.private_key, out
        )
        assert (
            out.read_bytes() == data and accessed.size == len(data) and accessed.content_cid == str(content)
        )
        with pytest.raises(DecryptionError, match="another account"):  # someone else's encryption key
            await fetch_licensed_content(
                c.client, c.deployment, seller.store, license_id, buyer.address, buyer_key(2).private_key,
                tmp_path / "other.csv",
            )  # fmt: skip
        assert not (tmp_path / "other.csv").exists()

        # Restart: a new service object over the same database delivers nothing again.
        again = await seller.service(c).run_once()
        assert again.delivered == [] and again.seen == 0
        market = c.deployment.address("LicenseMarket").lower()
        assert len(outbox_rows(seller.db, f"deliver:{market}:{license_id}")) == 1
        assert len(await c.deliveries(license_id)) == 1

        # After the dispute window the seller's service collects the escrow into the royalty vault.
        await c.advance(await c.read("LicenseMarket", "disputeWindow") + 1)
        collected = await seller.service(c).run_once()
        assert collected.paid == [license_id] and collected.stopped is None
        assert await c.read("RoyaltyVault", "pending", asset) == pending + price - fee
        assert len(outbox_rows(seller.db, f"release:{market}:{license_id}")) == 1
        assert (await seller.service(c).run_once()).paid == []

        # The loop as a task: a second purchase is delivered while it runs.
        service = seller.service(c)
        task = asyncio.create_task(service.run())
        try:
            second = await c.buy(acct(3), offer, buyer_key(3).public_key, price)
            async with asyncio.timeout(30):
                while (row := service.ledger.get(second)) is None or row.status != DELIVERED:
                    await asyncio.sleep(0.1)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        out3 = tmp_path / "third.csv"
        await fetch_licensed_content(
            c.client, c.deployment, seller.store, second, acct(3).address, buyer_key(3).private_key, out3
        )
        assert out3.read_bytes() == data
        assert [len(await c.deliveries(i)) for i in (license_id, second)] == [1, 1]

    run(env, body)


def test_malformed_buyer_keys_are_refused_and_refundable(env: Env, tmp_path: Path) -> None:
    seller = make_seller(tmp_path, 2)
    buyer, price = acct(4), 3 * E18
    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(50_000))

    async def body(c: MarketChain) -> None:
        content = await asyncio.to_thread(encrypt_and_store, seller.store, source, seller.key.public_key)
        offer = await c.list_asset(seller.account, str(content), price)
        # The contract only bounds the key's length: these purchases go through on chain.
        off_curve = await c.buy(buyer, offer, b"\x01" * 64, price)
        short = await c.buy(buyer, offer, b"\x02" * 10, price)
        good = await c.buy(buyer, offer, buyer_key(4).public_key, price)

        service = seller.service(c)
        report = await service.run_once()
        assert report.delivered == [good] and report.seen == 3
        rows = {row.license_id: row for row in service.ledger.rows()}
        assert rows[off_curve].status == rows[short].status == REFUSED
        assert "secp256k1" in (rows[off_curve].reason or "") and "10 bytes" in (rows[short].reason or "")
        for license_id in (off_curve, short):
            assert await c.deliveries(license_id) == []
            assert (await c.read("LicenseMarket", "getLicense", license_id))[3] == 1  # still pending

        # The buyer is not stuck: after the deadline the escrow comes back.
        await c.advance(DeployConfig().delivery_timeout_s + 1)
        before = await c.read("SaharaToken", "balanceOf", buyer.address)
        for license_id in (off_curve, short):
            await c.send(buyer, "LicenseMarket", "refund", license_id)
        assert await c.read("SaharaToken", "balanceOf", buyer.address) == before + 2 * price
        assert (await service.run_once()).delivered == []  # refused stays refused

    run(env, body)


# --------------------------------------------------------------------- sahara serve and kill -9
class RpcProxy:
    """A JSON-RPC pass-through to anvil that holds requests matching ``gate`` until released,
    then answers them 503 without forwarding them: for the process that sent them, the node
    never saw them."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.gate: Callable[[dict[str, Any]], bool] | None = None
        self.hit = threading.Event()
        self.released = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = json.loads(body)
                gate = proxy.gate
                if gate is not None and isinstance(request, dict) and gate(request):
                    proxy.hit.set()
                    proxy.released.wait(120)
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                forward = urllib.request.Request(proxy.upstream, body, {"Content-Type": "application/json"})
                with urllib.request.urlopen(forward, timeout=30) as answer:
                    payload = answer.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def sahara(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAHARA_HOME": str(home)}
    command = [sys.executable, "-m", "app.cli", *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=120)


def start_serve(home: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SAHARA_HOME": str(home)}
    command = [sys.executable, "-m", "app.cli", "serve", "--password-file", str(home / "pw"), *args]
    with open(log, "ab") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=sink)


def serve_home(tmp_path: Path, env: Env, account: LocalAccount, rpc_url: str) -> Path:
    """A data folder whose wallet is ``account`` and whose active network is ``rpc_url``."""
    home = tmp_path / "serve-home"
    paths = app_paths(home).ensure()
    (home / "pw").write_text(PASSWORD + "\n")
    imported = sahara(
        home,
        "wallet",
        "import",
        "--private-key",
        "--password-file",
        str(home / "pw"),
        stdin=account.key.hex(),
    )
    assert imported.returncode == 0, imported.stderr
    networks = [
        {"name": "devnet", "rpc_url": None, "chain_id": 31337},
        {"name": "proxied", "rpc_url": rpc_url, "chain_id": 31337},
    ]
    paths.settings_file.write_text(json.dumps({"active_network": "proxied", "networks": networks}))
    save_deployment(paths.data, replace(env.deployment, network="proxied"))
    assert (
        json.loads((paths.data / "deployments" / "proxied.json").read_text())["addresses"]
        == asdict(env.deployment)["addresses"]
    )
    return home


def ledger_row(db: Path, license_id: int) -> tuple[str, str | None, str] | None:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        query = "SELECT status, wrapped_key_cid, intent_id FROM key_delivery WHERE license_id = ?"
        return conn.execute(query, (license_id,)).fetchone()


def wait_for(check: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; serve said:\n{log.read_text()[-4000:]}")
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("held", ["eth_estimateGas", "eth_sendRawTransaction"])
def test_kill_9_between_wrap_and_record_delivers_exactly_once(env: Env, tmp_path: Path, held: str) -> None:
    """``eth_estimateGas`` held: killed after the wrapped key was stored, before anything was
    signed. ``eth_sendRawTransaction`` held: killed after signing, before the node had it."""
    seller, buyer_index = (acct(5), 6) if held == "eth_estimateGas" else (acct(7), 8)
    buyer = acct(buyer_index)
    proxy = RpcProxy(env.rpc_url)
    home = serve_home(tmp_path, env, seller, proxy.url)
    db, log = home / "data" / "sahara.db", tmp_path / "serve.log"
    pubkey = sahara(home, "wallet", "pubkey", "--password-file", str(home / "pw"))
    assert pubkey.returncode == 0, pubkey.stderr
    store = LocalStore(home / "data" / "blobs")
    data = digits_csv(tmp_path / "digits.csv")
    selector = "0x" + encode_call("LicenseMarket", "recordDelivery", 1, "x")[:4].hex()

    def holds(request: dict[str, Any]) -> bool:
        if request.get("method") != held:
            return False
        if held == "eth_sendRawTransaction":
            return True
        call = request["params"][0]
        return str(call.get("data") or call.get("input") or "").startswith(selector)

    async def sell(c: MarketChain) -> int:
        content = await asyncio.to_thread(
            encrypt_and_store, store, tmp_path / "digits.csv", pubkey.stdout.strip()
        )
        offer = await c.list_asset(seller, str(content), E18)
        return await c.buy(buyer, offer, buyer_key(buyer_index).public_key, E18)

    try:
        license_id = run(env, sell)
        market = env.deployment.address("LicenseMarket").lower()
        intent = f"deliver:{market}:{license_id}"

        proxy.gate = holds
        first = start_serve(home, log, "--confirmations", "0", "--interval", "0.2")
        try:
            wait_for(lambda: proxy.hit.is_set() or first.poll() is not None, 90, "the held request", log)
            assert proxy.hit.is_set(), log.read_text()
            row = ledger_row(db, license_id)
            assert row is not None and row[0] == WRAPPED and row[1] and row[2] == intent
            signed = outbox_rows(db, intent)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL
        wrapped_cid = row[1]
        assert len(signed) == (0 if held == "eth_estimateGas" else 1)
        proxy.gate = None
        proxy.released.set()

        async def nothing_on_chain(c: MarketChain) -> list[Any]:
            return await c.deliveries(license_id)

        assert run(env, nothing_on_chain) == []

        second = start_serve(home, log, "--confirmations", "0", "--interval", "0.2")
        try:
            wait_for(lambda: (ledger_row(db, license_id) or ("",))[0] == DELIVERED, 90, "the delivery", log)
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0, log.read_text()[-4000:]
        finally:
            if second.poll() is None:
                second.kill()

        rows = outbox_rows(db, intent)
        assert len(rows) == 1 and rows[0][:2] == (intent, "original")
        if signed:
            assert rows[0][2] == signed[0][2]  # the transaction signed before the kill, not a new one

        async def check(c: MarketChain) -> None:
            (delivered,) = await c.deliveries(license_id)
            assert delivered["wrappedKeyCid"] == wrapped_cid  # what was stored before the kill
            found = await find_delivery(c.client, c.deployment, license_id)
            assert found is not None and found.wrapped_key_cid == wrapped_cid
            out = tmp_path / "bought.csv"
            await fetch_licensed_content(
                c.client,
                c.deployment,
                store,
                license_id,
                buyer.address,
                buyer_key(buyer_index).private_key,
                out,
            )
            assert out.read_bytes() == data

        run(env, check)
        assert "key delivery: license" in log.read_text()
    finally:
        proxy.close()
