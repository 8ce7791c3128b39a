"""``LicensePurchased`` events, checked field by field before a seller acts on one.

Anyone can buy, and the buyer chooses every byte of the encryption key the event carries (the
contract only bounds its length), so a seller's service must treat the event as input, not as
truth: a malformed key would waste a delivery on something no one can open, and a key that is not
a curve point can crash or mislead the ECIES code. Two outcomes, kept apart on purpose:

- ``InvalidPurchase`` — the log itself is unusable (another contract, a reorganised-away log,
  ids out of range): it is skipped and logged, since it cannot even be recorded against a license;
- ``Purchase.problem`` set — a well-formed purchase whose buyer key cannot receive a key (wrong
  length, not on the curve): recorded as refused, so it is shown once and never retried; the
  buyer gets the escrow back with ``refund`` after the delivery deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils import is_address, to_checksum_address

from app.storage.keywrap import BadPublicKey, parse_public_key

PUBKEY_SIZE = 64  # what Sahara buyers publish: EncryptionKey.public_key, uncompressed without 0x04
MAX_PUBKEY_SIZE = 133  # LicenseMarket.MAX_PUBKEY_LENGTH
INT64_MAX = 2**63 - 1  # ids are kept in SQLite integers; sequential ids never get near this


class InvalidPurchase(ValueError):
    """The log is not a purchase this service can act on or record."""


@dataclass(frozen=True)
class Purchase:
    license_id: int
    offer_id: int
    asset_id: int
    buyer: str  # checksummed
    price: int
    deliver_by: int  # unix time; the buyer may take a refund after it while the license is pending
    pubkey: bytes  # exactly as emitted
    block: int
    tx_hash: str  # 0x-hex
    problem: str | None = None  # why no key can be delivered for it (None: deliverable)


def buyer_key_problem(raw: bytes) -> str | None:
    """Why ``raw`` is not a usable buyer encryption key, or None if it is one.

    Only the 64-byte form Sahara buyers publish is accepted: it is what the app sends, and one
    form means one way to check it. It must be a point on secp256k1 (the point at infinity and
    off-curve points are refused by the curve library).
    """
    if len(raw) != PUBKEY_SIZE:
        return f"the buyer's encryption key is {len(raw)} bytes; a Sahara encryption key is {PUBKEY_SIZE}"
    try:
        normalised = parse_public_key(raw)
    except BadPublicKey as exc:
        return f"the buyer's encryption key is unusable: {exc}"
    if normalised != raw:
        return "the buyer's encryption key is not in the uncompressed 64-byte form"
    return None


def _int(args: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = args.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidPurchase(f"{name} {value!r} is outside {low}..{high}")
    return value


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text


def parse_purchase(event: Mapping[str, Any], market: str) -> Purchase:
    """Check a decoded ``LicensePurchased`` log (web3 ``EventData``) emitted by ``market``."""
    if event.get("event") not in (None, "LicensePurchased"):
        raise InvalidPurchase(f"not a LicensePurchased event but {event.get('event')!r}")
    address = event.get("address")
    if not isinstance(address, str) or not is_address(address):
        raise InvalidPurchase("the log names no contract address")
    if to_checksum_address(address) != to_checksum_address(market):
        raise InvalidPurchase(f"the log comes from {address}, not from the license market {market}")
    if event.get("removed"):
        raise InvalidPurchase("the log was removed by a chain reorganisation")
    args = event.get("args")
    if not isinstance(args, Mapping):
        raise InvalidPurchase("the log has no decoded arguments")
    buyer = args.get("buyer")
    if not isinstance(buyer, str) or not is_address(buyer) or int(buyer, 16) == 0:
        raise InvalidPurchase(f"buyer {buyer!r} is not an address")
    pubkey = args.get("encryptionPubKey")
    if not isinstance(pubkey, bytes | bytearray) or not 0 < len(pubkey) <= MAX_PUBKEY_SIZE:
        raise InvalidPurchase("the encryption key field is missing or longer than the contract allows")
    block = event.get("blockNumber")
    if not isinstance(block, int) or block < 0 or event.get("transactionHash") is None:
        raise InvalidPurchase("the log has no block number or transaction")
    return Purchase(
        license_id=_int(args, "licenseId", 1, INT64_MAX),
        offer_id=_int(args, "offerId", 1, 2**48 - 1),
        asset_id=_int(args, "assetId", 1, INT64_MAX),
        buyer=to_checksum_address(buyer),
        price=_int(args, "price", 0, 2**96 - 1),
        deliver_by=_int(args, "deliverBy", 1, 2**40 - 1),
        pubkey=bytes(pubkey),
        block=block,
        tx_hash=_hex(event["transactionHash"]),
        problem=buyer_key_problem(bytes(pubkey)),
    )
