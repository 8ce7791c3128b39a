"""What the subgraph reader's tests share: a small market as the contracts emit it, a graph node that
journaled it, the reader over loopback, and the catalogue's tables to compare."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graph_node import GraphNode
from market_logs import ADDRESSES, CID, bought, linked, offered, raw_log, registered
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.chain.contracts import Deployment
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.catalog.decode import Decoder
from app.market.catalog.sink import MarketSink
from app.market.subgraph_source import SubgraphSource
from app.storage.local import LocalStore
from app.studio.netguard import NetPolicy, connector_for

ALICE, BOB, CAROL = ("0x" + c * 40 for c in "123")
CHAIN = 31337
E18 = 10**18
DEPLOYMENT = Deployment("test", CHAIN, 0, "x", dict(ADDRESSES))
LOOPBACK = NetPolicy.build([], ["127.0.0.0/8"])
TABLES = {
    "market_asset": "asset_id, creator, owner, kind, content_cid, metadata_cid, parent_royalty_bps, "
    "derivative_royalty_bps, "
    "licenses, children, min_price, commercial, derivatives, block, tx_hash, log_index",
    "market_offer": "offer_id, asset_id, seller, price, duration, active, commercial, derivatives, block",
    "market_license": "license_id, asset_id, buyer, offer_id, price, status, used_for_derivative, block",
    "market_parent": "child, parent, block",
    "market_log": "tx_hash, log_index, block, asset_id, name, args",
}


def db(folder: Path) -> sessionmaker[Session]:
    folder.mkdir(parents=True, exist_ok=True)
    upgrade(folder / "sahara.db")
    return session_factory(make_engine(folder / "sahara.db"))


def source(
    url: str, sessions: sessionmaker[Session], store: LocalStore, policy: NetPolicy = LOOPBACK, **kw: Any
):
    return SubgraphSource(
        url, sessions, DEPLOYMENT, store, guard=policy, connector=lambda: connector_for(policy), **kw
    )


def tables(sessions: sessionmaker[Session]) -> dict[str, list[tuple]]:
    with sessions() as session:
        return {
            name: [tuple(r) for r in session.execute(text(f"SELECT {cols} FROM {name} ORDER BY 1, 2"))]
            for name, cols in TABLES.items()
        }


def market(store: LocalStore) -> list[tuple[str, Any]]:
    """A small market: three assets in a lineage, offers, licenses, a delivery, a transfer."""
    meta = str(store.put([json.dumps({"name": "Digits", "tags": ["vision"]}).encode()]))
    return [
        ("AssetRegistry", registered(1, ALICE, block=3, meta=meta)),
        (
            "AssetRegistry",
            raw_log("AssetRegistry", "Transfer", 3, **{"from": "0x" + "00" * 20}, to=ALICE, tokenId=1),
        ),
        ("AssetRegistry", registered(2, BOB, block=4, kind=1, parents=(1,))),
        ("AssetRegistry", linked(2, 1, block=4)),
        ("LicenseMarket", offered(1, 1, ALICE, 5 * E18, block=5)),
        ("LicenseMarket", offered(2, 2, BOB, 2 * E18, block=5, commercial=False)),
        ("LicenseMarket", bought(1, 1, BOB, 1, 5 * E18, block=6)),
        (
            "LicenseMarket",
            raw_log(
                "LicenseMarket",
                "KeyDelivered",
                7,
                licenseId=1,
                assetId=1,
                wrappedKeyCid=CID,
                expiresAt=0,
                disputeUntil=100,
            ),
        ),
        ("LicenseMarket", raw_log("LicenseMarket", "OfferActiveSet", 8, offerId=2, active=False)),
        ("AssetRegistry", registered(3, CAROL, block=9, kind=2, parents=(2,))),
        ("AssetRegistry", linked(3, 2, block=9)),
        ("AssetRegistry", raw_log("AssetRegistry", "Transfer", 10, **{"from": BOB}, to=CAROL, tokenId=2)),
    ]


def indexed(events: list[tuple[str, Any]]) -> GraphNode:
    node = GraphNode()
    for contract, raw in events:
        node.index_log(contract, raw)
    return node


def the_indexers_tables(folder: Path, events: list[tuple[str, Any]]) -> dict[str, list[tuple]]:
    """What the chain indexer's path (the same sink, fed the logs) stores for ``events``."""
    direct = db(folder)
    with direct() as session:
        MarketSink(CHAIN, Decoder(ADDRESSES)).apply(session, [raw for _, raw in events])
        session.commit()
    return tables(direct)
