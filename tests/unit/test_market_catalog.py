"""The market catalogue without a chain: checked events into real SQLite, metadata from a real
store, and search over what was indexed (ranking, filters, sorts, hostile input)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from eth_utils import to_checksum_address
from market_logs import ADDRESSES, CID, bought, linked, offered, raw_log, registered
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from app.chain.identity import _start_over
from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.db.models import MarketAsset, MarketLog
from app.market.catalog.decode import Decoder
from app.market.catalog.metadata import MAX_METADATA, fetch_pending
from app.market.catalog.search import WINDOW, Query, fts_match, like_search, search
from app.market.catalog.sink import MarketSink
from app.storage import as_cid
from app.storage.local import CONTENT, LocalStore

ALICE, BOB, CAROL = ("0x" + c * 40 for c in "123")
CHAIN = 31337
E18 = 10**18


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    upgrade(tmp_path / "sahara.db")
    return session_factory(make_engine(tmp_path / "sahara.db"))


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "blobs")


def sink() -> MarketSink:
    return MarketSink(CHAIN, Decoder(ADDRESSES))


def apply(sessions: sessionmaker[Session], target: MarketSink, logs: list) -> set[str]:
    with sessions() as session:
        changed = target.apply(session, logs)
        session.commit()
    return changed


def assets(sessions: sessionmaker[Session]) -> dict[int, MarketAsset]:
    with sessions() as session:
        return {a.asset_id: a for a in session.scalars(select(MarketAsset))}


def meta(store: LocalStore, **fields: object) -> str:
    return str(store.put([json.dumps(fields).encode()]))


# -- events ----------------------------------------------------------------------------------------


def test_events_that_fail_a_check_are_skipped_with_a_reason(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    good = registered(1, ALICE, block=10)
    no_cid = registered(2, ALICE, block=10, meta="../../etc/passwd")
    wide_address = registered(3, ALICE, block=10)._replace(
        topics=(good.topics[0], good.topics[1], b"\xff" * 32, good.topics[3])
    )
    bad_kind = registered(4, ALICE, block=10, kind=7)
    again = registered(1, BOB, block=11)  # the same asset id registered twice (a lying node)
    orphan_offer = offered(1, 99, ALICE, E18, block=11)  # for an asset nobody registered
    garbage = offered(2, 1, ALICE, E18, block=11)._replace(data=b"\x01\x02")
    target = sink()
    apply(sessions, target, [good, no_cid, wide_address, bad_kind, again, orphan_offer, garbage])
    assert list(assets(sessions)) == [1] and assets(sessions)[1].creator == ALICE
    assert target.skipped == 6
    for why in (
        "is not a CID",
        "not a 20-byte address",
        "kind 7",
        "registered twice",
        "unknown asset 99",
        "does not decode",
    ):
        assert why in caplog.text
    with sessions() as session:  # nothing skipped stays in the journal either
        assert session.scalar(select(MarketLog.name)) == "AssetRegistry.AssetRegistered"
        assert len(session.scalars(select(MarketLog)).all()) == 1


def test_a_log_applied_twice_is_stored_once(sessions: sessionmaker[Session]) -> None:
    logs = [
        registered(1, ALICE, block=10),
        offered(1, 1, ALICE, E18, block=10),
        bought(1, 1, BOB, 1, E18, block=11),
    ]
    target = sink()
    apply(sessions, target, logs)
    apply(sessions, target, logs)
    assert assets(sessions)[1].licenses == 1 and target.skipped == 0


def test_addresses_are_stored_in_eip55_form_whether_indexed_or_in_the_data(
    sessions: sessionmaker[Session],
) -> None:
    record = "0x" + "ab" * 20
    log = raw_log(
        "AssetRegistry", "AssetRegistered", 10, assetId=1, creator=record, kind=0, contentCid=CID,
        metadataCid=CID, parents=[], parentRoyaltyBps=0, derivativeRoyaltyBps=0,
        contributorsRoot=b"\0" * 32, totalWeight=0, contributorsCid="", labelingRecord=record, campaignId=0,
        ownerShareBps=0,
    )  # fmt: skip
    apply(sessions, sink(), [log])
    stored = assets(sessions)[1]
    assert stored.creator == stored.labeling_record == to_checksum_address(record) != record


def test_aggregates_follow_offers_licenses_lineage_and_a_rollback(sessions: sessionmaker[Session]) -> None:
    target = sink()
    apply(sessions, target, [
        registered(1, ALICE, block=10), offered(1, 1, ALICE, 5 * E18, block=10),
        offered(2, 1, ALICE, 2 * E18, block=10, commercial=False),
        bought(1, 1, BOB, 1, 5 * E18, block=11),
        registered(2, BOB, block=12, kind=1, parents=(1,)), linked(2, 1, block=12),
        bought(2, 1, CAROL, 2, 2 * E18, block=13),
    ])  # fmt: skip
    one = assets(sessions)[1]
    assert (one.licenses, one.children, int(one.min_price or 0), one.commercial, one.derivatives) == (
        2,
        1,
        2 * E18,
        True,
        True,
    )
    with sessions() as session:  # blocks above 11 were orphaned
        assert target.rollback(session, 11) == {"assets", "offers", "licenses"}
        session.commit()
    assert list(assets(sessions)) == [1]
    assert (assets(sessions)[1].licenses, assets(sessions)[1].children) == (1, 0)
    pause = raw_log("LicenseMarket", "OfferActiveSet", 14, offerId=2, active=False)
    apply(sessions, target, [pause])
    assert int(assets(sessions)[1].min_price or 0) == 5 * E18


# -- metadata --------------------------------------------------------------------------------------


def test_metadata_is_read_checked_and_what_fails_is_marked(
    sessions: sessionmaker[Session], store: LocalStore, tmp_path: Path
) -> None:
    good = meta(
        store, name="Digits", card="Handwritten digits, labeled", tags=["vision"], task_type="image_class"
    )
    malformed = str(store.put([b"{not json"]))
    deep = str(store.put([b"[" * 5000 + b"]" * 5000]))
    wrong_type = meta(store, name=["not", "text"])
    huge = str(store.put([json.dumps({"name": "x", "card": "a" * MAX_METADATA}).encode()]))
    tampered = meta(store, name="honest")
    (store._folder(as_cid(tampered)) / CONTENT).write_bytes(b'{"name":"liar!"}')  # same size, other bytes
    missing = "bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq"
    cids = [good, malformed, deep, wrong_type, huge, tampered, missing]
    apply(sessions, sink(), [registered(i + 1, ALICE, block=10, meta=c) for i, c in enumerate(cids)])
    assert asyncio.run(fetch_pending(sessions, store, CHAIN, now=1000.0)) == len(cids)
    found = assets(sessions)
    statuses = [found[i + 1].meta_status for i in range(len(cids))]
    assert statuses == ["ok", "malformed", "malformed", "malformed", "too_large", "corrupt", "missing"]
    assert (found[1].name, found[1].tags, found[1].task_type) == ("Digits", "vision", "image_class")
    assert "not in storage" in found[7].meta_problem and "does not match its CID" in found[6].meta_problem
    assert found[7].meta_retry_at > 1000.0  # tried again later, not now
    assert asyncio.run(fetch_pending(sessions, store, CHAIN, now=1001.0)) == 0
    assert (
        asyncio.run(fetch_pending(sessions, store, CHAIN, now=1_000_000.0)) == 2
    )  # corrupt and missing retried


# -- search ----------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(sessions: sessionmaker[Session], store: LocalStore) -> sessionmaker[Session]:
    rows = [
        (
            1,
            ALICE,
            0,
            dict(
                name="Handwritten digits",
                card="MNIST-like digits labeled by 40 people",
                tags=["vision", "digits"],
            ),
        ),
        (
            2,
            BOB,
            1,
            dict(name="Digit classifier", card="A small CNN trained on handwritten digits", tags=["vision"]),
        ),
        (3, CAROL, 2, dict(name="Receipt reader agent", card="Reads digits on receipts", tags=["ocr"])),
        (4, ALICE, 0, dict(name="Bird songs", card="Audio of birds; no digits at all", tags=["audio"])),
    ]
    logs = []
    for asset, owner, kind, fields in rows:
        logs.append(registered(asset, owner, block=10 + asset, kind=kind, meta=meta(store, **fields)))
    logs += [
        offered(1, 1, ALICE, 1 * E18, block=20), offered(2, 2, BOB, 5 * E18, block=20, derivatives=False),
        offered(3, 3, CAROL, 20 * E18, block=20, commercial=False), linked(2, 1, block=21),
        bought(1, 2, CAROL, 2, 5 * E18, block=22), bought(2, 2, ALICE, 2, 5 * E18, block=22),
        bought(3, 1, BOB, 1, E18, block=22),
    ]  # fmt: skip
    apply(sessions, sink(), logs)
    asyncio.run(fetch_pending(sessions, store, CHAIN))
    return sessions


def ids(sessions: sessionmaker[Session], **query: object) -> list[int]:
    with sessions() as session:
        return [hit.asset_id for hit in search(session, CHAIN, Query(**query))]  # type: ignore[arg-type]


def test_a_name_match_outranks_a_card_match_and_words_match_as_prefixes(
    catalogue: sessionmaker[Session],
) -> None:
    assert ids(catalogue, text="digit")[:2] in ([1, 2], [2, 1])  # both named so, before card-only matches
    assert set(ids(catalogue, text="digit")) == {1, 2, 3, 4}
    assert ids(catalogue, text="receipt")[0] == 3
    assert ids(catalogue, text="vision digits")[0] == 1  # both words, one in its name
    assert ids(catalogue, text="hand") == [1, 2]  # "hand" finds "handwritten" as the user types


def test_filters_narrow_and_sorts_order(catalogue: sessionmaker[Session]) -> None:
    assert ids(catalogue, kind=0) == [4, 1]  # newest first without words
    assert ids(catalogue, commercial=True) == [2, 1]
    assert ids(catalogue, derivatives=True) == [3, 1]
    assert ids(catalogue, min_price=2 * E18, max_price=10 * E18) == [2]
    assert ids(catalogue, has_derivatives=True) == [1]
    assert ids(catalogue, owner=ALICE.upper().replace("0X", "0x")) == [4, 1]
    assert ids(catalogue, sort="licensed")[:2] == [2, 1]
    assert ids(catalogue, sort="price") == [1, 2, 3, 4]  # cheapest first; no offer last
    assert ids(catalogue, text="digits", kind=1) == [2]


def test_search_text_never_reaches_fts_syntax(catalogue: sessionmaker[Session]) -> None:
    for hostile in [
        '"',
        "digits OR",
        "NEAR(a b)",
        "name:digits",
        "*",
        "a AND NOT b",
        "'; DROP TABLE market_asset; --",
    ]:
        ids(catalogue, text=hostile)  # no syntax error
    assert fts_match('di"gits*') == '"di"* "gits"*'
    assert ids(catalogue, text="") == [4, 3, 2, 1]


def test_the_like_baseline_finds_what_fts_finds(catalogue: sessionmaker[Session]) -> None:
    with catalogue() as session:
        for words in ("digits", "vision", "receipt"):
            fts = {h.asset_id for h in search(session, CHAIN, Query(text=words))}
            assert fts == {h.asset_id for h in like_search(session, CHAIN, Query(text=words))}


def test_a_new_chain_under_the_same_id_empties_the_catalogue_and_its_index(
    catalogue: sessionmaker[Session],
) -> None:
    with catalogue() as session:
        assert _start_over(session, CHAIN) > 0  # what adopt_chain does for a reset devnet
        session.commit()
        assert session.execute(
            text("INSERT INTO market_asset_fts(market_asset_fts) VALUES ('integrity-check')")
        )
    assert ids(catalogue, text="digits") == [] and ids(catalogue) == []


def test_relevance_past_the_best_matches_and_sorts_with_words_miss_nothing(
    sessions: sessionmaker[Session],
) -> None:
    """More matches than BM25 ranks (WINDOW): the only model among them has the word in its card
    alone, so it comes after every name match, yet a search for models finds it."""
    count = WINDOW + 50
    logs = [registered(a, ALICE, block=a, kind=1 if a == 7 else 0) for a in range(1, count + 1)]
    apply(sessions, sink(), logs)
    with sessions() as session:
        session.execute(
            text(
                "UPDATE market_asset SET name = :name, card = :card, meta_status = 'ok' WHERE asset_id = :a"
            ),
            [
                {"a": a, "name": "" if a == 7 else "common common", "card": "common" if a == 7 else ""}
                for a in range(1, count + 1)
            ],
        )
        session.commit()
    assert ids(sessions, text="common", kind=1) == [7]
    assert ids(sessions, text="common", limit=3) == [count, count - 1, count - 2]  # ties: the newest first
    assert ids(sessions, text="common", sort="newest", limit=3) == [count, count - 1, count - 2]
    assert ids(sessions, text="common", sort="newest", kind=1) == [7]
    with sessions() as session:  # page by page: every match once, name matches first
        pages = [
            search(session, CHAIN, Query(text="common", limit=500, offset=o)) for o in range(0, count, 500)
        ]
    found = [hit.asset_id for page in pages for hit in page]
    assert len(found) == len(set(found)) == count and found[-1] == 7
