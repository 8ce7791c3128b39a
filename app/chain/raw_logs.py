"""A node's ``eth_getLogs`` logs checked field by field, then converted.

Every log a node sends is checked whole before it is converted: its address is 20 bytes of hex,
its 1 to 4 topics 32 bytes each, its data whole bytes of hex (no whitespace ``bytes.fromhex``
would skip), its block and transaction hashes 32 bytes, its block number and log index hex
quantities (no sign, underscore or space ``int`` would read). ``parse_log`` says why one fails.

``RawLog`` is a named tuple: a backfill makes one per log, and a frozen dataclass's ``__init__``
(one ``object.__setattr__`` per field) cost more than the checks.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple


class RawLog(NamedTuple):
    """One log as the node sent it, validated for shape (not yet decoded)."""

    address: str  # lower-case hex
    topics: tuple[bytes, ...]
    data: bytes
    block: int
    block_hash: str
    tx_hash: str
    log_index: int


_QUANTITY = re.compile(r"0x[0-9a-fA-F]{1,64}")
_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def hex_int(value: Any) -> int:
    """A JSON-RPC hex quantity as an int; ``ValueError`` for anything else."""
    if not isinstance(value, str) or not _QUANTITY.fullmatch(value):
        raise ValueError(f"not a hex quantity: {str(value)[:80]!r}")
    return int(value, 16)


def hex_hash(value: Any) -> str:
    """A 32-byte hash in lower case; ``ValueError`` for anything else."""
    if not isinstance(value, str) or not _HASH.fullmatch(value):
        raise ValueError(f"not a 32-byte hash: {str(value)[:80]!r}")
    return value.lower()


def _topic(topic: Any) -> bytes:
    try:  # 66 characters that fromhex reads as 32 bytes hold no whitespace: all hex digits
        word = bytes.fromhex(topic[2:]) if len(topic) == 66 and topic[:2] == "0x" else b""
    except (TypeError, ValueError):
        word = b""
    if len(word) != 32:
        raise ValueError(f"not a 32-byte topic: {str(topic)[:80]!r}")
    return word


def parse_log(raw: Any) -> RawLog:
    """A node's log object as a ``RawLog``; ``ValueError`` (with why) for anything malformed.

    Every field is checked whole before it is converted: this is the hot path of a backfill."""
    if not isinstance(raw, dict):
        raise ValueError("a log that is not an object")
    address = raw.get("address")
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
        raise ValueError(f"bad log address {str(address)[:80]!r}")
    topics = raw.get("topics")
    if not isinstance(topics, list) or not 1 <= len(topics) <= 4:
        raise ValueError("a log needs 1 to 4 topics")
    words = tuple(map(_topic, topics))
    data = raw.get("data", "0x")
    try:  # fromhex skips whitespace, so the length says whether every character was a hex digit
        payload = bytes.fromhex(data[2:]) if isinstance(data, str) and data[:2] == "0x" else None
    except ValueError:
        payload = None
    if payload is None or 2 * len(payload) + 2 != len(data):
        raise ValueError("log data is not hex")
    return RawLog(
        address.lower(),
        words,
        payload,
        hex_int(raw.get("blockNumber")),
        hex_hash(raw.get("blockHash")),
        hex_hash(raw.get("transactionHash")),
        hex_int(raw.get("logIndex")),
    )
