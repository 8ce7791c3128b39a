"""The catalogue filled from a subgraph's GraphQL endpoint: a real HTTP server answering as a graph node
does for subgraph/schema.graphql (tests/graph_node.py parses every query), real SQLite, a real store.
The same events give the same tables as the chain indexer's path, and the composition root takes the
source the network names. What a hostile endpoint sends: test_market_subgraph_attacks.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from graph_node import serving_graphql
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from subgraph_market import (
    ALICE,
    BOB,
    CHAIN,
    DEPLOYMENT,
    db,
    indexed,
    market,
    registered,
    source,
    tables,
    the_indexers_tables,
)

from app.market.catalog.search import Query, search_with
from app.market.subgraph_source import SubgraphError, SubgraphSource
from app.storage import as_cid
from app.storage.local import CONTENT, LocalStore


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return db(tmp_path / "subgraph")


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "blobs")


# -- the same catalogue as from the chain ------------------------------------------------------------


def test_the_subgraph_fills_the_same_tables_as_the_chain_logs(
    sessions: sessionmaker[Session], store: LocalStore, tmp_path: Path
) -> None:
    events = market(store)
    node = indexed(events)
    with serving_graphql(node) as url:
        reader = source(url, sessions, store, page=2)  # pages of two: every page boundary crossed
        assert asyncio.run(reader.sync()) is True
    assert tables(sessions) == the_indexers_tables(tmp_path / "direct", events)
    assert reader.skipped == 0 and reader.cursor() == 11
    hits = search_with(sessions, CHAIN, Query(text="digi"))
    assert [h.asset_id for h in hits] == [1] and hits[0].licenses == 1 and hits[0].children == 1


def test_a_second_round_reads_only_what_is_new_and_a_restart_doubles_nothing(
    sessions: sessionmaker[Session], store: LocalStore, tmp_path: Path
) -> None:
    events = market(store)
    node = indexed(events[:6])
    with serving_graphql(node) as url:
        asyncio.run(source(url, sessions, store, page=3).sync())
        for contract, raw in events[6:]:
            node.index_log(contract, raw)
        before = node.queries
        asyncio.run(source(url, sessions, store, page=3).sync())  # a new instance: a restart
        assert node.queries - before <= 6  # hashes, head, and the pages of the new events only
    assert tables(sessions) == the_indexers_tables(tmp_path / "direct", events)


def test_confirmations_keep_the_tip_out(sessions: sessionmaker[Session], store: LocalStore) -> None:
    with serving_graphql(indexed(market(store))) as url:
        reader = source(url, sessions, store, confirmations=3)
        asyncio.run(reader.sync())
    assert reader.cursor() == 8
    assert [r[0] for r in tables(sessions)["market_asset"]] == [1, 2]


def test_a_reorganisation_the_graph_node_followed_rolls_the_catalogue_back(
    sessions: sessionmaker[Session], store: LocalStore
) -> None:
    events = market(store)
    node = indexed(events)
    with serving_graphql(node) as url:
        asyncio.run(source(url, sessions, store).sync())
        node.drop_above(8)  # blocks 9 and 10 orphaned; the new block 9 registers another asset 3
        node.index_log("AssetRegistry", registered(3, ALICE, block=9, kind=0))
        other = node.entities["AssetRegistered"]
        for entity in other.values():
            if entity["blockNumber"] == 9:
                entity["blockHash"] = b"\x99" * 32
        node.head = (9, b"\x99" * 32)
        reader = source(url, sessions, store)
        asyncio.run(reader.sync())
    assets = {r[0]: r for r in tables(sessions)["market_asset"]}
    assert assets[3][1] == ALICE and assets[3][3] == 0  # the new block's asset, not the orphaned one
    assert assets[2][2] == BOB  # the orphaned transfer of asset 2 is gone
    assert [r[:2] for r in tables(sessions)["market_parent"]] == [(2, 1)]


def test_a_metadata_blob_that_lies_about_its_cid_is_marked_corrupt(
    sessions: sessionmaker[Session], store: LocalStore
) -> None:
    events = market(store)
    node = indexed(events)
    cid = next(e["metadataCid"] for e in node.entities["AssetRegistered"].values() if e["assetId"] == 1)
    (store._folder(as_cid(cid)) / CONTENT).write_bytes(b'{"name": "Digits", "tags": ["liar!!"]}')
    with serving_graphql(node) as url:
        asyncio.run(source(url, sessions, store).sync())
    with sessions() as session:
        status = session.execute(
            text("SELECT meta_status, meta_problem FROM market_asset WHERE asset_id = 1")
        ).one()
    assert status[0] == "corrupt" and cid in status[1]


def test_the_composition_root_takes_the_source_the_network_names(
    sessions: sessionmaker[Session], store: LocalStore
) -> None:
    from app.chain.client import ChainClient
    from app.market.catalog.service import MarketIndexer
    from app.services import NetworkServices, ServiceOptions
    from app.settings import NetworkConfig, Settings

    net = NetworkConfig(name="big", rpc_url="http://127.0.0.1:9", chain_id=CHAIN)
    settings = Settings(networks=[net], active_network="big")
    runtime = SimpleNamespace(
        settings=settings, sessions=sessions, deployment=DEPLOYMENT, client=ChainClient("http://127.0.0.1:9"),
        on_devnet=False, outbox=object(),
    )  # fmt: skip
    services = NetworkServices(runtime, lambda: store, ServiceOptions())  # type: ignore[arg-type]
    assert isinstance(services.market_indexer(), MarketIndexer)
    node = indexed(market(store))
    with serving_graphql(node) as url:
        settings.networks = [net.model_copy(update={"subgraph_url": url})]
        chosen = services.market_indexer()
        assert isinstance(chosen, SubgraphSource) and chosen.confirmations == 3
        with pytest.raises(SubgraphError, match="loopback"):  # public addresses only, unless allowed
            asyncio.run(chosen.sync())
        settings.networks = [
            net.model_copy(update={"subgraph_url": url, "subgraph_networks": ["127.0.0.1/32"]})
        ]
        assert asyncio.run(services.market_indexer().sync()) is True  # 3 confirmations: the tip waits
    assert [r[0] for r in tables(sessions)["market_asset"]] == [1, 2]
