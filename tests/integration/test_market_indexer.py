"""The market indexer on a real anvil: lineage and licenses indexed, bad metadata marked, a
reorganisation rolled back and re-read, and a kill -9 mid-run resumed with nothing lost or doubled.

Tests share the module's chain and database and build on each other in order. Senders are chosen
so that anvil's ``evm_revert`` never rewinds a nonce the outbox will use again: the account whose
transaction is reverted never sends afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from devchain import Chain, Env, acct, run
from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.chain.contracts import save_deployment
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.db.models import ChainCursor, MarketAsset, MarketLicense, MarketLog, MarketParent
from app.market.catalog.search import Query, search
from app.market.catalog.service import MarketIndexer
from app.storage.local import LocalStore
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import encryption_key_from_mnemonic

E18 = 10**18
CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
NOT_STORED = "bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq"
NO_RECORD = "0x" + "00" * 20
DATASET, MODEL, AGENT = 0, 1, 2
CHILD = Path(__file__).with_name("market_indexer_child.py")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    return LocalStore(tmp_path_factory.mktemp("market-blobs"))


def card(store: LocalStore, name: str, text: str, tags: list[str]) -> str:
    return str(store.put([json.dumps({"name": name, "card": text, "tags": tags}).encode()]))


def registration(kind: int, meta: str, parents: tuple[int, ...] = (), bps: int = 0) -> tuple[Any, ...]:
    return (kind, CID, meta, list(parents), bps, 0, b"\0" * 32, 0, "", NO_RECORD, 0, 0)


def pubkey(account: LocalAccount) -> bytes:
    index = next(i for i in range(10) if acct(i).address == account.address)
    return encryption_key_from_mnemonic(DEV_MNEMONIC, index).public_key


async def license_asset(c: Chain, seller: LocalAccount, buyer: LocalAccount, asset: int, price: int) -> int:
    """Offer ``asset`` (derivatives allowed), let ``buyer`` buy, deliver and release; the license id."""
    await c.fund(buyer, price)
    offer = await c.emit(
        seller, "LicenseMarket", "createOffer", (asset, price, 0, 0, True, True, False), event="OfferCreated"
    )
    permit = await c.permit(buyer, "LicenseMarket", price)
    args = (offer["offerId"], pubkey(buyer), *permit.args)
    bought = await c.emit(buyer, "LicenseMarket", "buyWithPermit", *args, event="LicensePurchased")
    await c.send(seller, "LicenseMarket", "recordDelivery", bought["licenseId"], CID)
    await c.send(buyer, "LicenseMarket", "release", bought["licenseId"])
    return int(bought["licenseId"])


def indexer(
    c: Chain, env: Env, store: LocalStore, sessions: sessionmaker[Session] | None = None
) -> MarketIndexer:
    return MarketIndexer(c.client, sessions or env.sessions, env.deployment, store)


def asset_rows(sessions: sessionmaker[Session]) -> dict[int, MarketAsset]:
    with sessions() as session:
        return {a.asset_id: a for a in session.scalars(select(MarketAsset))}


def test_lineage_licenses_and_bad_metadata_are_indexed(env: Env, store: LocalStore) -> None:
    creator, maker, agent_maker = acct(4), acct(8), acct(1)
    heard: list[str] = []

    async def body(c: Chain) -> None:
        digits = card(store, "Handwritten digits", "Digits labeled on Sahara", ["vision"])
        dataset = await c.emit(
            creator, "AssetRegistry", "register", registration(DATASET, digits), event="AssetRegistered"
        )
        data_id = int(dataset["assetId"])
        await license_asset(c, creator, maker, data_id, 50 * E18)
        model_meta = card(store, "Digit classifier", "A CNN trained on the digits dataset", ["vision", "cnn"])
        model = await c.emit(
            maker,
            "AssetRegistry",
            "register",
            registration(MODEL, model_meta, (data_id,), 2_000),
            event="AssetRegistered",
        )
        model_id = int(model["assetId"])
        await license_asset(c, maker, agent_maker, model_id, 20 * E18)
        broken = str(store.put([b'{"name": ["not text"]}']))
        await c.send(agent_maker, "AssetRegistry", "register", registration(AGENT, broken))
        await c.send(agent_maker, "AssetRegistry", "register", registration(AGENT, NOT_STORED))
        await c.send(
            agent_maker, "AssetRegistry", "register", registration(AGENT, "not-a-cid")
        )  # the registry takes it

        market = indexer(c, env, store)
        for name in ("assets_changed", "offers_changed", "licenses_changed", "synced"):
            market.events.connect(name, lambda *a, n=name: heard.append(n))
        await market.sync()
        rows = asset_rows(env.sessions)
        assert (rows[data_id].name, rows[data_id].meta_status, rows[data_id].licenses) == (
            "Handwritten digits",
            "ok",
            1,
        )
        assert rows[data_id].children == 1 and rows[data_id].derivatives
        assert rows[model_id].owner == maker.address and rows[model_id].licenses == 1
        with env.sessions() as session:
            assert session.scalars(
                select(MarketParent.parent).where(MarketParent.child == model_id)
            ).all() == [data_id]
            licenses = session.scalars(select(MarketLicense).order_by(MarketLicense.license_id)).all()
            assert [(lic.buyer, lic.status) for lic in licenses[-2:]] == [
                (maker.address, "settled"),
                (agent_maker.address, "settled"),
            ]
            hits = search(session, env.deployment.chain_id, Query(text="digit"))
            assert {h.asset_id for h in hits} == {data_id, model_id}  # both named so
        statuses = sorted(r.meta_status for r in rows.values() if r.asset_id > model_id)
        assert statuses == ["malformed", "missing"]  # marked, not fatal; the bogus CID was never stored
        assert len(rows) == model_id + 2
        assert market.sink.skipped == 1

    run(env, body)
    assert {"assets_changed", "offers_changed", "licenses_changed", "synced"} <= set(heard)


def test_a_reorganisation_rolls_back_and_reads_the_new_blocks(env: Env, store: LocalStore) -> None:
    doomed, survivor = acct(2), acct(3)

    async def body(c: Chain) -> None:
        rpc = c.client.w3.provider
        market = indexer(c, env, store)
        await market.sync()
        snapshot = (await rpc.make_request("evm_snapshot", []))["result"]
        orphan_meta = card(store, "Orphaned asset", "lost in a reorg", ["gone"])
        receipt = await c.send(doomed, "AssetRegistry", "register", registration(DATASET, orphan_meta))
        orphan = c.one("AssetRegistry", "AssetRegistered", receipt)
        orphan_tx = "0x" + bytes(receipt["transactionHash"]).hex()
        await c.send(doomed, "LicenseMarket", "createOffer", (orphan["assetId"], 0, 0, 0, False, True, False))
        await market.sync()
        assert asset_rows(env.sessions)[orphan["assetId"]].name == "Orphaned asset"

        assert (await rpc.make_request("evm_revert", [snapshot]))["result"]
        for _ in range(3):  # the new branch is longer than the orphaned one
            await rpc.make_request("evm_mine", [])
        kept_meta = card(store, "Survivor", "on the canonical chain", ["kept"])
        kept = await c.emit(
            survivor, "AssetRegistry", "register", registration(MODEL, kept_meta), event="AssetRegistered"
        )
        assert kept["assetId"] == orphan["assetId"]  # the same id, another asset
        await market.sync()
        row = asset_rows(env.sessions)[kept["assetId"]]
        assert (row.creator, row.name, row.min_price) == (
            survivor.address,
            "Survivor",
            None,
        )  # no orphaned offer
        with env.sessions() as session:
            assert not session.scalars(select(MarketLog).where(MarketLog.tx_hash == orphan_tx)).all()
            assert not search(session, env.deployment.chain_id, Query(text="orphaned"))
            assert [h.asset_id for h in search(session, env.deployment.chain_id, Query(text="survivor"))] == [
                kept["assetId"]
            ]

    run(env, body)


def _rows(sessions: sessionmaker[Session]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with sessions() as session:
        journal = session.execute(
            select(MarketLog.tx_hash, MarketLog.log_index, MarketLog.block, MarketLog.name).order_by(
                MarketLog.block, MarketLog.log_index
            )
        ).all()
        assets = session.execute(
            select(
                MarketAsset.asset_id,
                MarketAsset.creator,
                MarketAsset.licenses,
                MarketAsset.children,
                MarketAsset.min_price,
            ).order_by(MarketAsset.asset_id)
        ).all()
    return [tuple(r) for r in journal], [tuple(r) for r in assets]


def test_kill_9_mid_run_then_resume_loses_and_doubles_nothing(
    env: Env, store: LocalStore, tmp_path: Path
) -> None:
    seller = acct(5)

    async def publish(c: Chain) -> None:
        for i in range(25):
            meta = card(store, f"Asset {i}", "bulk", ["bulk"])
            asset = await c.emit(
                seller, "AssetRegistry", "register", registration(DATASET, meta), event="AssetRegistered"
            )
            await c.send(
                seller, "LicenseMarket", "createOffer", (asset["assetId"], 0, 0, 0, False, True, False)
            )

    run(env, publish)
    save_deployment(tmp_path, env.deployment)
    killed, clean = tmp_path / "killed.db", tmp_path / "clean.db"
    for db in (killed, clean):
        upgrade(db)
    killed_sessions, clean_sessions = (
        session_factory(make_engine(killed)),
        session_factory(make_engine(clean)),
    )
    stream = f"market:{env.deployment.address('AssetRegistry').lower()}"
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(killed), env.rpc_url, str(tmp_path), str(store.root)],
        env={**os.environ, "PYTHONPATH": str(Path.cwd())}, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert child.poll() is None, "the indexing child died on its own"
            assert time.monotonic() < deadline, "the child never got going"
            with killed_sessions() as session:
                cursor = session.get(ChainCursor, (env.deployment.chain_id, stream))
                if cursor is not None and cursor.next_block > env.deployment.block + 40:
                    break
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()

    async def resume(c: Chain) -> None:
        await indexer(c, env, store, killed_sessions).sync()
        await indexer(c, env, store, clean_sessions).sync()

    run(env, resume)
    journal, assets = _rows(killed_sessions)
    assert (journal, assets) == _rows(clean_sessions)
    assert len(journal) == len(set((tx, i) for tx, i, *_ in journal))
    assert sum(1 for *_, name in journal if name == "LicenseMarket.OfferCreated") >= 25
