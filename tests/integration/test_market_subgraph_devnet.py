"""The subgraph path on a real anvil: market events sent through the app's own outbox, their logs
indexed as the subgraph's mappings would (tests/graph_node.py) and served over GraphQL, give the same
catalogue as the chain indexer reading the chain itself. And subgraph.yaml's devnet addresses are
where `sahara deploy` puts the contracts on a fresh devnet."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from devchain import Chain, Env, acct, run
from eth_account.signers.local import LocalAccount
from graph_node import GraphNode, serving_graphql
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.chain.indexer import client_rpc
from app.chain.raw_logs import parse_log
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.catalog.service import MarketIndexer
from app.market.subgraph_source import SubgraphSource
from app.resources import REPO_ROOT
from app.storage.local import LocalStore
from app.studio.netguard import NetPolicy, connector_for
from app.wallet.faucet import DEV_MNEMONIC
from app.wallet.hd import encryption_key_from_mnemonic

E18 = 10**18
CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
NO_RECORD = "0x" + "00" * 20
SOURCES = ("AssetRegistry", "LicenseMarket", "RoyaltyVault")  # the vault: journaled for Earnings
pytestmark = pytest.mark.slow
COMPARED = {
    "market_asset": "asset_id, creator, owner, kind, metadata_cid, licenses, children, min_price, "
    "commercial, derivatives, block, tx_hash, log_index, name, meta_status",
    "market_offer": "offer_id, asset_id, seller, price, active, block",
    "market_license": "license_id, asset_id, buyer, offer_id, price, status, used_for_derivative, block",
    "market_parent": "child, parent, block",
    "market_log": "tx_hash, log_index, block, asset_id, name, args",
}


def db(folder: Path) -> sessionmaker[Session]:
    folder.mkdir(parents=True, exist_ok=True)
    upgrade(folder / "sahara.db")
    return session_factory(make_engine(folder / "sahara.db"))


def tables(sessions: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    with sessions() as session:
        return {
            name: [tuple(r) for r in session.execute(text(f"SELECT {cols} FROM {name} ORDER BY 1, 2"))]
            for name, cols in COMPARED.items()
        }


def registration(kind: int, meta: str, parents: tuple[int, ...] = (), bps: int = 0) -> tuple[Any, ...]:
    return (kind, CID, meta, list(parents), bps, 0, b"\0" * 32, 0, "", NO_RECORD, 0, 0)


def pubkey(account: LocalAccount) -> bytes:
    index = next(i for i in range(10) if acct(i).address == account.address)
    return encryption_key_from_mnemonic(DEV_MNEMONIC, index).public_key


def test_subgraph_yaml_names_the_devnet_deployment(env: Env) -> None:
    manifest = (REPO_ROOT / "subgraph" / "subgraph.yaml").read_text()
    sources = manifest.split("\n  - kind: ethereum/contract\n")[1:]
    assert len(sources) == 3
    for block in sources:
        name = re.search(r"name: (\w+)", block).group(1)  # type: ignore[union-attr]
        address = re.search(r'address: "(0x\w+)"', block).group(1)  # type: ignore[union-attr]
        assert address == env.deployment.address(name), f"{name}: subgraph.yaml is not the devnet's address"
        assert int(re.search(r"startBlock: (\d+)", block).group(1)) <= env.deployment.block  # type: ignore[union-attr]


def test_the_subgraph_path_gives_the_indexers_catalogue(env: Env, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "blobs")
    creator, buyer = acct(4), acct(8)
    meta = str(store.put([json.dumps({"name": "Handwritten digits", "tags": ["vision"]}).encode()]))

    async def publish(c: Chain) -> list[Any]:
        data = await c.emit(
            creator, "AssetRegistry", "register", registration(0, meta), event="AssetRegistered"
        )
        asset = int(data["assetId"])
        await c.fund(buyer, 10 * E18)
        offer = await c.emit(
            creator,
            "LicenseMarket",
            "createOffer",
            (asset, 10 * E18, 0, 0, True, True, False),
            event="OfferCreated",
        )
        permit = await c.permit(buyer, "LicenseMarket", 10 * E18)
        bought = await c.emit(
            buyer, "LicenseMarket", "buyWithPermit", offer["offerId"], pubkey(buyer), *permit.args,
            event="LicensePurchased",
        )  # fmt: skip
        await c.send(creator, "LicenseMarket", "recordDelivery", bought["licenseId"], CID)
        await c.send(buyer, "LicenseMarket", "release", bought["licenseId"])
        await c.send(buyer, "AssetRegistry", "register", registration(1, meta, (asset,), 2_000))
        rpc = client_rpc(c.client)
        addresses = [env.deployment.address(n) for n in SOURCES]
        return await rpc("eth_getLogs", [{"address": addresses, "fromBlock": "0x0", "toBlock": "latest"}])

    logs = run(env, publish)
    node = GraphNode()
    by_address = {env.deployment.address(n).lower(): n for n in SOURCES}
    for raw in map(parse_log, logs):  # what the subgraph's handlers journal
        node.index_log(by_address[raw.address], raw)
    policy = NetPolicy.build([], ["127.0.0.0/8"])
    from_subgraph, from_chain = db(tmp_path / "subgraph"), db(tmp_path / "chain")

    async def read(c: Chain) -> None:
        await MarketIndexer(c.client, from_chain, env.deployment, store).sync()
        with serving_graphql(node) as url:
            reader = SubgraphSource(
                url,
                from_subgraph,
                env.deployment,
                store,
                guard=policy,
                connector=lambda: connector_for(policy),
            )
            assert await reader.sync() is True and reader.skipped == 0

    run(env, read)
    found = tables(from_subgraph)
    assert found == tables(from_chain)
    assert [r[-2:] for r in found["market_asset"]][-2:] == [("Handwritten digits", "ok")] * 2
    assert [r[5] for r in found["market_license"]] == ["settled"]
    vault = sorted({r[4] for r in found["market_log"] if r[4].startswith("RoyaltyVault.")})
    assert vault == ["RoyaltyVault.RevenueDeposited"]  # the release paid the vault: journaled both ways
