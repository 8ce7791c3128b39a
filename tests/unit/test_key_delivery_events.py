"""LicensePurchased events are input chosen by strangers: every field is checked before acting."""

from __future__ import annotations

from typing import Any

import pytest

from app.market.purchases import InvalidPurchase, buyer_key_problem, parse_purchase
from app.wallet.hd import encryption_key_from_mnemonic

PHRASE = "test test test test test test test test test test test junk"
MARKET = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
BUYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
KEY = encryption_key_from_mnemonic(PHRASE, 1).public_key


def event(**changes: Any) -> dict[str, Any]:
    args = {
        "licenseId": 7,
        "offerId": 3,
        "assetId": 2,
        "buyer": BUYER,
        "price": 5 * 10**18,
        "deliverBy": 1_900_000_000,
        "encryptionPubKey": KEY,
    }
    args |= {k: v for k, v in changes.items() if k in args}
    base = {
        "event": "LicensePurchased",
        "address": MARKET,
        "args": args,
        "blockNumber": 120,
        "transactionHash": bytes(range(32)),
        "logIndex": 0,
    }
    return base | {k: v for k, v in changes.items() if k not in args}


def test_a_good_purchase_is_parsed_exactly() -> None:
    purchase = parse_purchase(event(), MARKET.lower())
    assert (purchase.license_id, purchase.offer_id, purchase.asset_id) == (7, 3, 2)
    assert purchase.buyer == BUYER and purchase.price == 5 * 10**18 and purchase.deliver_by == 1_900_000_000
    assert purchase.pubkey == KEY and purchase.problem is None
    assert purchase.block == 120 and purchase.tx_hash == "0x" + bytes(range(32)).hex()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"address": "0x0000000000000000000000000000000000000001"}, "not from the license market"),
        ({"address": None}, "no contract address"),
        ({"event": "KeyDelivered"}, "not a LicensePurchased"),
        ({"removed": True}, "reorganisation"),
        ({"licenseId": 0}, "licenseId"),
        ({"licenseId": 2**63}, "licenseId"),
        ({"assetId": 0}, "assetId"),
        ({"offerId": 2**48}, "offerId"),
        ({"price": -1}, "price"),
        ({"price": 2**96}, "price"),
        ({"deliverBy": 2**40}, "deliverBy"),
        ({"licenseId": True}, "licenseId"),  # a bool is not an id
        ({"licenseId": "7"}, "licenseId"),
        ({"buyer": "0x0000000000000000000000000000000000000000"}, "buyer"),
        ({"buyer": "nobody"}, "buyer"),
        ({"encryptionPubKey": b""}, "encryption key field"),
        ({"encryptionPubKey": b"\x04" * 134}, "encryption key field"),
        ({"encryptionPubKey": "04ab"}, "encryption key field"),
        ({"blockNumber": None}, "block number"),
        ({"transactionHash": None}, "block number or transaction"),
        ({"args": None}, "no decoded arguments"),
    ],
)
def test_unusable_logs_are_rejected_with_a_reason(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidPurchase, match=message):
        parse_purchase(event(**changes), MARKET)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (b"\x01" * 64, "not a point on the secp256k1 curve"),
        (b"\x00" * 64, "not a point"),  # the all-zero "key" (a common placeholder)
        (KEY[:63], "63 bytes"),
        (b"\x04" + KEY, "65 bytes"),  # other spellings of a key are refused: one form, one check
        (bytes([2 + KEY[-1] % 2]) + KEY[:32], "33 bytes"),
        (b"\xff" * 133, "133 bytes"),
    ],
)
def test_a_purchase_with_an_unusable_buyer_key_is_recorded_as_a_problem(key: bytes, message: str) -> None:
    purchase = parse_purchase(event(encryptionPubKey=key), MARKET)
    assert purchase.problem is not None and message in purchase.problem
    assert purchase.pubkey == key  # kept as emitted, for the refusal record


def test_every_real_key_passes_and_off_curve_neighbours_do_not() -> None:
    for index in range(5):
        key = encryption_key_from_mnemonic(PHRASE, index).public_key
        assert buyer_key_problem(key) is None
        bent = key[:-1] + bytes([key[-1] ^ 1])  # y off by one bit: not on the curve
        assert buyer_key_problem(bent) is not None
