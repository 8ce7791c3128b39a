"""The sink's batched writes and remembered CIDs: one range applied at once ends exactly as each of
its logs applied alone, and a CID accepted once opens no door for a look-alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from market_logs import ADDRESSES, CID, bought, linked, offered, raw_log, registered
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.catalog.decode import Decoder
from app.market.catalog.sink import MarketSink, journal_json

ALICE, BOB, CAROL = ("0x" + c * 40 for c in "123")
ZERO = "0x" + "00" * 20
CHAIN = 31337
E18 = 10**18
META2 = "bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq"
TABLES = {
    "market_asset": "asset_id",
    "market_parent": "child, parent",
    "market_offer": "offer_id",
    "market_license": "license_id",
    "market_log": "block, log_index",
}


def catalogue(folder: Path) -> sessionmaker[Session]:
    folder.mkdir(exist_ok=True)
    upgrade(folder / "sahara.db")
    return session_factory(make_engine(folder / "sahara.db"))


def apply(sessions: sessionmaker[Session], target: MarketSink, logs: list) -> None:
    with sessions() as session:
        target.apply(session, logs)
        session.commit()


def rows(sessions: sessionmaker[Session]) -> dict[str, list[tuple]]:
    """Every projection and journal row but the table's own row id."""
    with sessions() as session:
        cur = session.connection().connection.cursor()
        found = {}
        for table, order in TABLES.items():
            columns = [c[1] for c in cur.execute(f"PRAGMA table_info({table})") if c[1] != "id"]
            query = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
            found[table] = cur.execute(query).fetchall()
        return found


def a_busy_range() -> list:
    """Inserts and updates interleaved, updates naming rows inserted just before them."""
    return [
        raw_log("AssetRegistry", "Transfer", 10, **{"from": ZERO, "to": ALICE, "tokenId": 1}),
        registered(1, ALICE, block=10),
        registered(2, ALICE, block=10, parents=(1,)),
        linked(2, 1, block=10),
        raw_log("AssetRegistry", "Transfer", 10, **{"from": ALICE, "to": BOB, "tokenId": 1}),
        offered(1, 1, ALICE, E18, block=11),
        raw_log("LicenseMarket", "OfferActiveSet", 11, offerId=1, active=False),
        offered(2, 1, ALICE, 2 * E18, block=11, commercial=False),
        offered(3, 2, ALICE, 3 * E18, block=11),
        bought(1, 1, CAROL, 2, 2 * E18, block=12),
        raw_log("LicenseMarket", "Transfer", 12, **{"from": ZERO, "to": CAROL, "tokenId": 1}),
        raw_log(
            "LicenseMarket",
            "KeyDelivered",
            12,
            licenseId=1,
            assetId=1,
            wrappedKeyCid=CID,
            expiresAt=0,
            disputeUntil=0,
        ),
        raw_log("LicenseMarket", "Transfer", 12, **{"from": CAROL, "to": BOB, "tokenId": 1}),
        raw_log(
            "AssetRegistry",
            "MetadataUpdated",
            13,
            assetId=2,
            version=2,
            metadataCid=META2,
            previousMetadataCid=CID,
            by=ALICE,
        ),
        raw_log("LicenseMarket", "OfferActiveSet", 13, offerId=1, active=True),
        bought(2, 2, BOB, 3, 3 * E18, block=13),
        raw_log("LicenseMarket", "LicenseUsed", 13, licenseId=1, assetId=1, account=BOB, forDerivative=True),
    ]


def test_a_range_applied_at_once_ends_as_its_logs_applied_one_by_one(tmp_path: Path) -> None:
    logs = a_busy_range()
    whole, alone = catalogue(tmp_path / "whole"), catalogue(tmp_path / "alone")
    at_once, one_by_one = MarketSink(CHAIN, Decoder(ADDRESSES)), MarketSink(CHAIN, Decoder(ADDRESSES))
    apply(whole, at_once, logs)
    for entry in logs:
        apply(alone, one_by_one, [entry])
    assert at_once.skipped == one_by_one.skipped == 0
    found = rows(whole)
    assert found == rows(alone)
    assert len(found["market_log"]) == len(logs) and len(found["market_offer"]) == 3
    with whole() as session:
        cur = session.connection().connection.cursor()
        assert cur.execute("SELECT owner FROM market_asset WHERE asset_id = 1").fetchone()[0] == BOB
        assert cur.execute("SELECT metadata_cid FROM market_asset WHERE asset_id = 2").fetchone()[0] == META2
        assert cur.execute(
            "SELECT buyer, status, used_for_derivative FROM market_license WHERE license_id = 1"
        ).fetchone() == (BOB, "delivered", 1)
        totals = cur.execute("SELECT licenses, children FROM market_asset WHERE asset_id = 1").fetchone()
        assert totals == (1, 1)


def test_an_accepted_cid_lets_no_look_alike_through(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    sessions, target = catalogue(tmp_path), MarketSink(CHAIN, Decoder(ADDRESSES))
    noncanonical = CID[:-1] + "3"  # the same bytes with padding bits set: a second spelling
    apply(sessions, target, [
        registered(1, ALICE, block=10),  # CID accepted (and remembered)
        registered(2, ALICE, block=10, meta=CID.upper()),
        registered(3, ALICE, block=10, meta=noncanonical),
        registered(4, ALICE, block=11, meta=noncanonical),  # a refusal is checked again, not remembered
        registered(5, ALICE, block=11, meta=CID + " "),
    ])  # fmt: skip
    assert target.skipped == 4 and caplog.text.count("skipped: AssetRegistered: metadataCid") == 4
    with sessions() as session:
        cur = session.connection().connection.cursor()
        assert cur.execute("SELECT asset_id FROM market_asset").fetchall() == [(1,)]


def test_transfers_of_an_asset_registered_in_the_same_batch_leave_its_last_owner(tmp_path: Path) -> None:
    """The registry's order (AssetRegistered, then the mint), then more transfers in and after the
    batch: the owner folded into the held insert is the one each log applied alone leaves."""

    def transfer(token: int, old: str, new: str, block: int) -> object:
        return raw_log("AssetRegistry", "Transfer", block, **{"from": old, "to": new, "tokenId": token})

    first = [
        registered(1, ALICE, block=10), transfer(1, ZERO, ALICE, 10), transfer(1, ALICE, BOB, 10),
        transfer(1, BOB, CAROL, 11), registered(2, ALICE, block=11), transfer(2, ZERO, ALICE, 11),
    ]  # fmt: skip
    later = [transfer(2, ALICE, BOB, 12), transfer(1, CAROL, ALICE, 12)]
    whole, alone = catalogue(tmp_path / "whole"), catalogue(tmp_path / "alone")
    at_once, one_by_one = MarketSink(CHAIN, Decoder(ADDRESSES)), MarketSink(CHAIN, Decoder(ADDRESSES))
    apply(whole, at_once, first)
    with whole() as session:
        cur = session.connection().connection.cursor()
        assert cur.execute("SELECT asset_id, owner FROM market_asset ORDER BY asset_id").fetchall() == [
            (1, CAROL), (2, ALICE),
        ]  # fmt: skip
    apply(whole, at_once, later)
    for entry in first + later:
        apply(alone, one_by_one, [entry])
    assert rows(whole) == rows(alone)
    with whole() as session:
        cur = session.connection().connection.cursor()
        assert cur.execute("SELECT asset_id, owner FROM market_asset ORDER BY asset_id").fetchall() == [
            (1, ALICE), (2, BOB),
        ]  # fmt: skip


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**300), 2**300) | st.text('"\\a\u00e9\U0001f600\n\x00'),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6))
def test_the_journal_json_is_what_json_dumps_gives(args: dict) -> None:
    assert journal_json(args) == json.dumps(args, separators=(",", ":"))


def test_the_journal_json_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        journal_json({"key": b"\x01"})
