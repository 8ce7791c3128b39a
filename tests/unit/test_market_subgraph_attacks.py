"""The subgraph reader attacked by its endpoint: entities of the wrong type or shape, lying ids and
CIDs, foreign contracts, malformed, deep and oversized JSON, an endpoint that hangs, pages that never
end or repeat, redirects, and private addresses (the HTTP tool's guard)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from graph_node import serving_graphql
from local_http import Handler, serving
from sqlalchemy.orm import Session, sessionmaker
from subgraph_market import LOOPBACK, db, indexed, market, source, tables

import app.market.subgraph_source as source_module
from app.market.subgraph_source import SubgraphError
from app.storage.local import LocalStore
from app.studio.netguard import NetPolicy


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return db(tmp_path / "subgraph")


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "blobs")


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
            self.request_body()
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
