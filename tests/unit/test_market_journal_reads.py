"""Market events read back from the catalogue's journal (``catalog.journal``) and the context's
split between journal and chain (``MarketContext.logs``), on real SQLite without a chain."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from eth_utils import to_checksum_address
from graph_node import serving_graphql
from market_logs import ADDRESSES, bought, claimed, raw_log, registered
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from subgraph_market import DEPLOYMENT, indexed, market, source

from app.chain.contracts import Deployment
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.db.models import ChainCursor
from app.market.catalog.decode import Decoder
from app.market.catalog.journal import Journal
from app.market.catalog.sink import MarketSink
from app.market.context import MarketContext, topic_of
from app.market.subgraph_source import stream_of
from app.storage.local import LocalStore

ALICE, BOB = (to_checksum_address("0x" + c * 40) for c in "12")
CHAIN, STREAM = 31337, "market:test"
E18 = 10**18


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    upgrade(tmp_path / "sahara.db")
    return session_factory(make_engine(tmp_path / "sahara.db"))


def apply(sessions: sessionmaker[Session], sink: MarketSink, logs: list[Any], next_block: int) -> None:
    with sessions() as session:
        sink.apply(session, logs)
        session.merge(ChainCursor(chain_id=CHAIN, stream=STREAM, next_block=next_block))
        session.commit()


def journal(sessions: sessionmaker[Session]) -> Journal:  # the deployment's block is 5
    return Journal(sessions, CHAIN, STREAM, 5)


def test_events_come_back_as_web3_decodes_them_and_filter_by_topic(sessions: sessionmaker[Session]) -> None:
    sink = MarketSink(CHAIN, Decoder(ADDRESSES))
    big = 2**70  # past SQLite's integers: journaled as text, read back as the number
    apply(sessions, sink, [
        registered(1, ALICE, block=10, parents=()),
        bought(7, 1, BOB, 1, 3 * E18, block=11),
        bought(8, 1, ALICE, 1, 3 * E18, block=12),
        claimed(1, ALICE, big, block=13),
        claimed(1, BOB, 5, block=14),
    ], next_block=15)  # fmt: skip
    found = journal(sessions)
    assert found.reach() == 15
    (asset,) = found.events("AssetRegistry", "AssetRegistered", [], 0, 100)
    assert asset["args"]["contributorsRoot"] == b"\0" * 32 and asset["args"]["parents"] == []
    assert asset["blockNumber"] == 10 and isinstance(asset["transactionHash"], bytes)
    bobs = found.events("LicenseMarket", "LicensePurchased", [None, None, topic_of(BOB)], 0, 100)
    assert [(e["args"]["licenseId"], e["args"]["buyer"]) for e in bobs] == [(7, BOB)]
    assert bytes(bobs[0]["args"]["encryptionPubKey"])[:1] == b"\x04"
    alices = found.events("RoyaltyVault", "Claimed", [None, topic_of(ALICE)], 0, 100)
    assert [e["args"]["amount"] for e in alices] == [big]
    assert found.events("RoyaltyVault", "Claimed", [topic_of(1)], 14, 14)[0]["args"]["account"] == BOB
    assert found.events("RoyaltyVault", "Claimed", [topic_of(2)], 0, 100) == []  # another asset


def test_a_rollback_takes_the_orphaned_claims_out(sessions: sessionmaker[Session]) -> None:
    sink = MarketSink(CHAIN, Decoder(ADDRESSES))
    apply(sessions, sink, [registered(1, ALICE, block=10), claimed(1, ALICE, 9, block=12)], next_block=13)
    with sessions() as session:
        sink.rollback(session, 11)
        session.commit()
    assert journal(sessions).events("RoyaltyVault", "Claimed", [], 0, 100) == []


def test_a_vault_event_for_an_asset_never_registered_is_not_journaled(
    sessions: sessionmaker[Session],
) -> None:
    sink = MarketSink(CHAIN, Decoder(ADDRESSES))
    forged = raw_log("RoyaltyVault", "RevenueDeposited", 12, assetId=99, **{"from": ALICE}, amount=E18)
    apply(sessions, sink, [registered(1, ALICE, block=10), forged, claimed(98, ALICE, 1, block=12)], 13)
    assert sink.skipped == 2
    assert journal(sessions).events("RoyaltyVault", "RevenueDeposited", [], 0, 100) == []
    assert journal(sessions).events("RoyaltyVault", "Claimed", [], 0, 100) == []


class _Client:
    async def block_number(self) -> int:
        return 40


class _Chain(MarketContext):
    """The chain side stands in: records which blocks it was asked for."""

    asked: list[tuple[int, int]]

    async def chain_logs(self, contract: str, name: str, topics: Any, low: int, high: int) -> list[Any]:
        self.asked.append((low, high))
        return [{"args": {"licenseId": 99}, "blockNumber": high}] if low <= high else []


def context(sessions: sessionmaker[Session], with_journal: bool) -> _Chain:
    deployment = Deployment("test", CHAIN, 5, "x", dict(ADDRESSES))
    ctx = _Chain(_Client(), None, deployment, None, None, journal(sessions) if with_journal else None)  # type: ignore[arg-type]
    ctx.asked = []
    return ctx


def test_the_chain_is_asked_only_for_the_blocks_the_catalogue_has_not_reached(
    sessions: sessionmaker[Session],
) -> None:
    apply(sessions, MarketSink(CHAIN, Decoder(ADDRESSES)), [
        registered(1, ALICE, block=10), bought(7, 1, BOB, 1, E18, block=11),
    ], next_block=30)  # fmt: skip
    ctx = context(sessions, with_journal=True)
    found = asyncio.run(ctx.logs("LicenseMarket", "LicensePurchased", [None, None, topic_of(BOB)]))
    assert [e["args"]["licenseId"] for e in found] == [7, 99] and ctx.asked == [(30, 40)]
    pinned = asyncio.run(ctx.logs("LicenseMarket", "LicensePurchased", to_block=20))
    assert [e["args"]["licenseId"] for e in pinned] == [7] and ctx.asked[-1] == (21, 20)  # nothing read
    bare = context(sessions, with_journal=False)  # no catalogue: every block since the deployment
    asyncio.run(bare.logs("LicenseMarket", "LicensePurchased"))
    assert bare.asked == [(5, 40)]


def test_a_catalogue_that_never_ran_falls_back_to_the_chain(sessions: sessionmaker[Session]) -> None:
    ctx = context(sessions, with_journal=True)
    asyncio.run(ctx.logs("RoyaltyVault", "Claimed"))
    assert ctx.asked == [(5, 40)]


def test_a_catalogue_from_the_subgraph_journals_the_vault_claims_too(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "blobs")
    events = [*market(store), ("RoyaltyVault", claimed(1, ALICE, 7 * E18, block=12))]
    with serving_graphql(indexed(events)) as url:
        assert asyncio.run(source(url, sessions, store).sync()) is True
    kept = Journal(sessions, CHAIN, stream_of(DEPLOYMENT), 0)
    assert kept.reach() == 13
    (claim,) = kept.events("RoyaltyVault", "Claimed", [None, topic_of(ALICE)], 0, 100)
    assert (claim["args"]["assetId"], claim["args"]["amount"], claim["blockNumber"]) == (1, 7 * E18, 12)


def test_a_catalogue_indexed_before_0012_reads_the_vault_again_without_doubling(tmp_path: Path) -> None:
    """Migration 0012 sends the market streams back to the deployment: the re-read journals the
    vault's events the old catalogue never kept, and nothing it kept twice."""
    db = tmp_path / "old.db"
    upgrade(db, "0011")
    sessions = session_factory(make_engine(db))
    logs = [
        registered(1, ALICE, block=10),
        bought(7, 1, BOB, 1, E18, block=11),
        claimed(1, ALICE, 9, block=12),
    ]
    without_vault = {c: a for c, a in ADDRESSES.items() if c != "RoyaltyVault"}
    apply(sessions, MarketSink(CHAIN, Decoder(without_vault)), logs, next_block=13)  # the old indexer
    with sessions() as session:
        session.execute(text(f"INSERT INTO chain_block VALUES ({CHAIN}, '{STREAM}', 12, '0xab')"))
        session.commit()
    sessions.kw["bind"].dispose()
    upgrade(db)
    sessions = session_factory(make_engine(db))
    kept = journal(sessions)
    assert kept.reach() == 5  # back to the deployment, its stored block hashes gone
    with sessions() as session:
        assert session.execute(text("SELECT count(*) FROM chain_block")).scalar() == 0
    apply(sessions, MarketSink(CHAIN, Decoder(ADDRESSES)), logs, next_block=13)  # the re-read
    assert [e["args"]["amount"] for e in kept.events("RoyaltyVault", "Claimed", [], 0, 100)] == [9]
    assert len(kept.events("LicenseMarket", "LicensePurchased", [], 0, 100)) == 1
    assert len(kept.events("AssetRegistry", "AssetRegistered", [], 0, 100)) == 1
