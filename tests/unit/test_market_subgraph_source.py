"""The catalogue filled from a subgraph's GraphQL endpoint: a real HTTP server answering as a graph node
does for subgraph/schema.graphql (tests/graph_node.py parses every query), real SQLite, a real store.
The same events give the same tables as the chain indexer's path; then the endpoint attacks."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from graph_node import GraphNode, serving_graphql
from local_http import Handler, serving
from market_logs import ADDRESSES, CID, bought, linked, offered, raw_log, registered
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

import app.market.subgraph_source as source_module
from app.chain.contracts import Deployment
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.catalog.decode import Decoder
from app.market.catalog.search import Query, search_with
from app.market.catalog.sink import MarketSink
from app.market.subgraph_source import SubgraphError, SubgraphSource
from app.storage import as_cid
from app.storage.local import CONTENT, LocalStore
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


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return db(tmp_path / "subgraph")


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "blobs")


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


# -- what the endpoint sends, attacked ----------------------------------------------------------------


def first_asset(field: str, value: Any):
    """A tamper that sets ``field`` of asset 1's AssetRegistered in every journal page to ``value``."""

    def tamper(answer: dict[str, Any]) -> None:
        for entity in (answer.get("data") or {}).get("marketEvents") or []:
            if entity.get("__typename") == "AssetRegistered" and entity.get("assetId") == "1":
                entity[field] = value

    return tamper


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("blockNumber", 3, "not a whole number"),  # a JSON number where a graph node sends text
        ("assetId", "-1", "not a whole number"),
        ("assetId", str(2**256), "does not fit uint256"),
        ("parentRoyaltyBps", "70000", "does not fit uint16"),
        ("kind", None, "not a whole number"),
        ("creator", "0x" + "01" * 19, "has 19 bytes"),
        ("creator", "0xzz" + "01" * 19, "not hex bytes"),
        ("contentCid", "bafy-not-a-cid", "is not a CID"),
        ("metadataCid", 42, "is not text"),
        ("parents", ["1"] * 17, "at most 16"),
        ("contributorsRoot", "0x" + "00" * 31, "has 31 bytes"),
        ("contract", "0x" + "cc" * 20, "not this network's AssetRegistry"),
        ("logIndex", "7", "is not block"),  # the id names another log: a lying id
        ("__typename", "LicenseCheckerSet", "does not read"),
    ],
)
def test_an_entity_out_of_shape_is_skipped_with_why(
    sessions: sessionmaker[Session], store: LocalStore, field: str, value: Any, why: str, caplog
) -> None:
    with serving_graphql(indexed(market(store)), first_asset(field, value)) as url:
        reader = source(url, sessions, store)
        asyncio.run(reader.sync())
    assert why in caplog.text
    assets = [r[0] for r in tables(sessions)["market_asset"]]
    assert 1 not in assets and 3 in assets  # the rest is read
    assert reader.skipped == 1


@contextmanager
def answering_post(body: bytes | None = None, *, delay: threading.Event | None = None) -> Iterator[str]:
    """A server answering every POST with ``body``, or never (until ``delay`` is set)."""

    class Fixed(Handler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if delay is not None:
                delay.wait(10)
                return
            self.answer(200, body or b"")

    with serving(Fixed) as url:
        yield url


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"data": {"_meta": ', "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),  # nesting refused by safe_json, no crash
        (b'["a list"]', "not a JSON object"),
        (b'{"data": {"_meta": {"block": {"number": "12"}}}}', "did not say which block"),
        (b'{"data": null, "errors": [{"message": "indexing_error"}]}', "refused the query: indexing_error"),
        (b'{"data": {"_meta": {"block": {"number": 1}}, "marketEvents": {}}}', "not a list"),
    ],
)
def test_a_malformed_answer_fails_the_round_with_why(
    sessions: sessionmaker[Session], store: LocalStore, body: bytes, why: str
) -> None:
    with answering_post(body) as url, pytest.raises(SubgraphError, match=why):
        asyncio.run(source(url, sessions, store).sync())
    assert tables(sessions)["market_log"] == []


def test_an_answer_over_the_size_cap_is_refused_while_it_is_read(
    sessions: sessionmaker[Session], store: LocalStore
) -> None:
    body = b'{"data": "' + b"x" * 300_000 + b'"}'
    with answering_post(body) as url, pytest.raises(SubgraphError, match="over 256 KiB"):
        asyncio.run(source(url, sessions, store, max_bytes=256 * 1024).sync())


def test_an_endpoint_that_hangs_fails_within_the_timeout(
    sessions: sessionmaker[Session], store: LocalStore
) -> None:
    release = threading.Event()
    try:
        with answering_post(delay=release) as url, pytest.raises(SubgraphError, match=r"within 0\.5 s"):
            asyncio.run(asyncio.wait_for(source(url, sessions, store, timeout_s=0.5).sync(), 5))
    finally:
        release.set()


def test_pagination_that_never_ends_yields_after_a_bounded_round(
    sessions: sessionmaker[Session], store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A graph node that always has another full page (of events the catalogue skips as foreign):
    one round reads ``MAX_PAGES`` pages and returns, the cursor moved, instead of looping forever."""
    monkeypatch.setattr(source_module, "MAX_PAGES", 5)
    node = indexed(market(store))
    pages = iter(range(1, 10**9))

    def endless(answer: dict[str, Any]) -> None:
        data = answer.get("data") or {}
        if "marketEvents" in data:
            n = next(pages)
            data["marketEvents"] = [
                {
                    "__typename": "ParentLinked",
                    "id": "0x" + (2).to_bytes(8, "big").hex() + (n * 2 + i).to_bytes(4, "big").hex(),
                }
                for i in range(2)
            ]

    with serving_graphql(node, endless) as url:
        reader = source(url, sessions, store, page=2)
        assert asyncio.run(reader.sync()) is False  # not caught up, but returned
    assert node.queries <= 2 + 5 and reader.skipped == 10 and reader.cursor() == 2


@pytest.mark.parametrize(
    ("ident", "why"),
    [
        ("0x" + "zz" * 12, "out of order"),  # not hex: it could not move the cursor
        ("0x" + (10**9).to_bytes(8, "big").hex() + "00" * 4, "outside blocks"),  # beyond the head
    ],
)
def test_an_id_that_would_move_the_cursor_wrongly_is_refused(
    sessions: sessionmaker[Session], store: LocalStore, ident: str, why: str
) -> None:
    """Even on an entity that is skipped, the id moves the cursor: a far-future id would skip
    every real event after it, so it fails the round instead."""

    def far(answer: dict[str, Any]) -> None:
        events = (answer.get("data") or {}).get("marketEvents")
        if events:
            events[-1] = {"__typename": "Nonsense", "id": ident}

    with serving_graphql(indexed(market(store)), far) as url, pytest.raises(SubgraphError, match=why):
        asyncio.run(source(url, sessions, store, page=2).sync())
    assert source("http://x", sessions, store).cursor() == 0  # nothing of that page applied


def test_a_page_that_repeats_itself_is_refused(sessions: sessionmaker[Session], store: LocalStore) -> None:
    node = indexed(market(store))
    seen: list[Any] = []

    def repeat(answer: dict[str, Any]) -> None:
        data = answer.get("data") or {}
        if "marketEvents" in data:
            if seen:
                data["marketEvents"] = seen[0]
            else:
                seen.append(data["marketEvents"])

    with serving_graphql(node, repeat) as url, pytest.raises(SubgraphError, match="out of order"):
        asyncio.run(source(url, sessions, store, page=2).sync())


def test_a_redirect_is_not_followed(sessions: sessionmaker[Session], store: LocalStore) -> None:
    """A public endpoint redirecting to a private address literal (a cloud metadata service)."""
    asked: list[str] = []

    class Redirect(Handler):
        def do_POST(self) -> None:
            asked.append(self.path)
            self.send_response(307)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serving(Redirect) as url, pytest.raises(SubgraphError, match="HTTP 307"):
        asyncio.run(source(url, sessions, store).sync())
    assert len(asked) == 1


def test_private_addresses_are_refused_unless_their_network_is_allowed(
    sessions: sessionmaker[Session], store: LocalStore
) -> None:
    node = indexed(market(store))
    public_only = NetPolicy.build([], [])
    with serving_graphql(node) as url:
        with pytest.raises(SubgraphError, match=r"127\.0\.0\.1 is blocked: a loopback address"):
            asyncio.run(source(url, sessions, store, public_only).sync())
        named = url.replace("127.0.0.1", "localhost")  # a name resolving to loopback: refused too
        with pytest.raises(SubgraphError, match="blocked: a loopback address"):
            asyncio.run(source(named, sessions, store, public_only).sync())
        assert node.queries == 0
        with pytest.raises(SubgraphError, match="only http and https"):
            asyncio.run(source("file:///etc/passwd", sessions, store).sync())
        assert asyncio.run(source(url, sessions, store, LOOPBACK).sync()) is True  # allowed: read


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
