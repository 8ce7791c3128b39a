"""The key-delivery ledger: what makes delivery idempotent across restarts and processes."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import make_engine, session_factory
from app.db.migrate import upgrade
from app.market.purchases import Purchase
from app.workers.delivery_ledger import (
    CLOSED,
    DELIVERED,
    PENDING,
    REFUSED,
    WRAPPED,
    DeliveryLedger,
    Sighting,
    delivery_intent,
)

MARKET = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SELLER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
BUYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def purchase(license_id: int, *, block: int = 10, problem: str | None = None) -> Purchase:
    return Purchase(
        license_id, 1, 1, BUYER, 10**18, 2_000_000_000, b"\x07" * 64, block, "0x" + "ab" * 32, problem
    )


def sessions_at(path: Path) -> sessionmaker[Session]:
    upgrade(path)
    return session_factory(make_engine(path))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "sahara.db"


@pytest.fixture
def ledger(db: Path) -> DeliveryLedger:
    return DeliveryLedger(sessions_at(db), 31337, MARKET)


def test_cursor_starts_at_the_default_and_only_moves_forward(ledger: DeliveryLedger) -> None:
    assert ledger.start_block([SELLER], default=42) == 42
    ledger.record_scan([], [SELLER], 100)
    assert ledger.start_block([SELLER], default=42) == 100
    ledger.record_scan([], [SELLER], 60)  # an older pass finishing late never moves it back
    assert ledger.start_block([SELLER], default=42) == 100
    assert ledger.start_block([], default=42) == 42


def test_cursors_are_per_account_so_a_restricted_service_skips_no_one(ledger: DeliveryLedger) -> None:
    ledger.record_scan([], [SELLER], 500)  # `sahara serve --account 0` ran alone for a while
    assert ledger.start_block([SELLER, OTHER], default=7) == 7  # OTHER still needs blocks 7..499
    ledger.record_scan([], [SELLER, OTHER], 600)
    assert ledger.start_block([SELLER, OTHER], default=7) == 600


def test_a_purchase_seen_twice_is_one_row_and_keeps_its_state(ledger: DeliveryLedger) -> None:
    assert ledger.record_scan([Sighting(purchase(1), SELLER)], [SELLER], 11) == 1
    row = ledger.get(1)
    assert row is not None and row.status == PENDING and row.seller == SELLER
    assert row.intent_id == delivery_intent(MARKET, 1) == f"deliver:{MARKET.lower()}:1"
    ledger.mark_wrapped(row.id, "bafkreiwrapped")
    assert ledger.record_scan([Sighting(purchase(1), SELLER)], [SELLER], 11) == 0  # rescanned
    again = ledger.get(1)
    assert again is not None and again.status == WRAPPED and again.wrapped_key_cid == "bafkreiwrapped"
    assert len(ledger.rows()) == 1


def test_a_purchase_with_a_problem_is_refused_at_once_and_never_due(ledger: DeliveryLedger) -> None:
    ledger.record_scan([Sighting(purchase(2, problem="bad key"), SELLER)], [SELLER], 11)
    row = ledger.get(2)
    assert row is not None and row.status == REFUSED and row.reason == "bad key"
    assert ledger.due() == []


def test_state_survives_a_new_ledger_on_the_same_database(db: Path) -> None:
    first = DeliveryLedger(sessions_at(db), 31337, MARKET)
    first.record_scan([Sighting(purchase(3), SELLER), Sighting(purchase(4), SELLER)], [SELLER], 50)
    row3 = first.get(3)
    assert row3 is not None
    first.mark_wrapped(row3.id, "bafkreithree")
    # "kill -9" here: a new process opens the same file.
    second = DeliveryLedger(sessions_at(db), 31337, MARKET)
    assert second.start_block([SELLER], default=0) == 50
    due = {row.license_id: (row.status, row.wrapped_key_cid) for row in second.due()}
    assert due == {3: (WRAPPED, "bafkreithree"), 4: (PENDING, None)}
    delivered = second.mark_delivered(row3.id, "bafkreithree", "0x" + "cd" * 32)
    assert delivered.status == DELIVERED
    assert [row.license_id for row in DeliveryLedger(sessions_at(db), 31337, MARKET).due()] == [4]


def test_the_first_wrapped_cid_wins_between_two_processes(db: Path) -> None:
    gui, serve = (DeliveryLedger(sessions_at(db), 31337, MARKET) for _ in range(2))
    gui.record_scan([Sighting(purchase(5), SELLER)], [SELLER], 11)
    serve.record_scan([Sighting(purchase(5), SELLER)], [SELLER], 11)
    row = gui.get(5)
    assert row is not None
    assert gui.mark_wrapped(row.id, "bafkreifirst").wrapped_key_cid == "bafkreifirst"
    # The other process wrapped at the same moment: it must record the first CID, not its own.
    assert serve.mark_wrapped(row.id, "bafkreisecond").wrapped_key_cid == "bafkreifirst"


def test_other_chains_and_markets_are_separate(db: Path) -> None:
    sessions = sessions_at(db)
    here = DeliveryLedger(sessions, 31337, MARKET)
    elsewhere = DeliveryLedger(sessions, 1, MARKET)
    other_market = DeliveryLedger(sessions, 31337, OTHER)
    for ledger in (here, elsewhere, other_market):
        assert ledger.record_scan([Sighting(purchase(1), SELLER)], [SELLER], 20) == 1
    assert len(here.rows()) == len(elsewhere.rows()) == len(other_market.rows()) == 1
    assert elsewhere.start_block([SELLER], 0) == 20


def test_retry_later_backs_off_and_counts(ledger: DeliveryLedger) -> None:
    ledger.record_scan([Sighting(purchase(6), SELLER)], [SELLER], 11)
    row = ledger.get(6)
    assert row is not None
    waiting = ledger.retry_later(row.id, "no ETH for gas", 60)
    assert waiting.attempts == 1 and waiting.reason == "no ETH for gas" and waiting.status == PENDING
    assert ledger.due() == []
    assert [r.license_id for r in ledger.due(now=datetime.now(UTC) + timedelta(seconds=61))] == [6]


def test_close_ends_only_open_rows(ledger: DeliveryLedger) -> None:
    ledger.record_scan([Sighting(purchase(7), SELLER), Sighting(purchase(8), SELLER)], [SELLER], 11)
    row7, row8 = ledger.get(7), ledger.get(8)
    assert row7 is not None and row8 is not None
    assert ledger.close(row7.id, "refunded").status == CLOSED
    ledger.mark_delivered(row8.id, "bafkreidone", "0x" + "ef" * 32)
    assert ledger.close(row8.id, "late news").status == DELIVERED  # a delivered row stays delivered
    with pytest.raises(ValueError):
        ledger.close(row7.id, "x", status=DELIVERED)


def test_a_failed_sent_delivery_gets_a_new_intent_per_round(ledger: DeliveryLedger) -> None:
    ledger.record_scan([Sighting(purchase(9), SELLER)], [SELLER], 11)
    row = ledger.get(9)
    assert row is not None
    base = delivery_intent(MARKET, 9)
    assert ledger.next_round(row.id).intent_id == base + ":1"
    assert ledger.next_round(row.id).intent_id == base + ":2"


def test_due_puts_the_nearest_deadline_first(ledger: DeliveryLedger) -> None:
    late = dataclasses.replace(purchase(10), deliver_by=3_000_000_000)
    soon = dataclasses.replace(purchase(11), deliver_by=1_000_000_000)
    ledger.record_scan([Sighting(late, SELLER), Sighting(soon, SELLER)], [SELLER], 11)
    assert [row.license_id for row in ledger.due()] == [11, 10]
    assert [row.license_id for row in ledger.due([SELLER])] == [11, 10]
    assert ledger.due([OTHER]) == []  # rows another wallet recorded in this database are not ours


def test_rows_and_cursor_are_written_together_or_not_at_all(db: Path, ledger: DeliveryLedger) -> None:
    ledger.record_scan([Sighting(purchase(12), SELLER)], [SELLER], 30)
    # The unique index holds even against a writer that bypasses the ledger.
    with sqlite3.connect(db) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO key_delivery (chain_id, market, license_id, offer_id, asset_id, seller, buyer, "
            "buyer_pubkey, price, deliver_by, purchase_block, purchase_tx, status, intent_id, attempts, "
            "created_at, updated_at) SELECT chain_id, market, license_id, offer_id, asset_id, seller, "
            "buyer, buyer_pubkey, price, deliver_by, purchase_block, purchase_tx, status, intent_id, "
            "attempts, created_at, updated_at FROM key_delivery"
        )
    bad = dataclasses.replace(purchase(13), license_id=None)  # type: ignore[arg-type]
    with pytest.raises(IntegrityError):  # a failure half-way rolls the whole scan back
        ledger.record_scan([Sighting(purchase(14), SELLER), Sighting(bad, SELLER)], [SELLER], 99)
    assert ledger.get(14) is None and ledger.start_block([SELLER], 0) == 30
