"""The board's own ABI words against eth_abi and eth_utils: every TaskBoard view's answer and event
decodes to the same values, call data is byte for byte web3's, and malformed data is refused."""

from __future__ import annotations

import random

import pytest
from eth_abi import encode as eth_encode
from eth_utils import keccak as eth_keccak
from eth_utils import to_checksum_address

from app.labeling.abi_words import checksum, components, decode, encode, keccak
from app.labeling.board_abi import board_abi, canonical

ABI = board_abi()


def sample(kind: str, rng: random.Random) -> object:
    """A random value of ``kind``, at the edges half of the time."""
    if kind.startswith("("):
        return tuple(sample(c, rng) for c in components(kind))
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        return rng.choice([0, 1, (1 << bits) - 1, rng.getrandbits(bits)])
    if kind == "address":
        return to_checksum_address(rng.randbytes(20))
    if kind == "bool":
        return rng.random() < 0.5
    if kind.startswith("bytes") and kind != "bytes":
        return rng.randbytes(int(kind[5:]))
    if kind == "string":
        return rng.choice(["", "bafy" + "k" * rng.randrange(200), "ünïcode ✓"])
    raise AssertionError(kind)


def plain(value: object) -> object:
    """eth_abi's answer in this module's shapes (addresses checksummed, tuples as tuples)."""
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    return value


def test_every_view_answer_and_event_decodes_as_eth_abi_encodes_it() -> None:
    rng = random.Random(7)
    shapes = [[canonical(o) for o in f["outputs"]] for f in ABI.functions.values()]
    shapes += [[canonical(i) for i in e["inputs"] if not i["indexed"]] for e in ABI.events.values()]
    for kinds in shapes:
        for _ in range(20):
            values = tuple(sample(k, rng) for k in kinds)
            assert decode(kinds, eth_encode(kinds, list(values))) == plain(values), kinds


def test_call_data_and_topics_are_webs() -> None:
    account = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert encode(["uint256", "address", "uint8"], [3, account, 2]) == eth_encode(
        ["uint256", "address", "uint8"], [3, account, 2]
    )
    assert keccak(b"CampaignCreated") == eth_keccak(text="CampaignCreated")
    assert checksum(account.lower()) == account
    assert (
        ABI.call_data("getSlot", account, 2)[:10]
        == "0x" + eth_keccak(text="getSlot(address,uint8)")[:4].hex()
    )


@pytest.mark.parametrize(
    ("kinds", "data", "why"),
    [
        (["uint8"], (256).to_bytes(32, "big"), "out of range"),
        (["bool"], (2).to_bytes(32, "big"), "neither 0 nor 1"),
        (["address"], b"\1" * 32, "padding"),
        (["bytes4"], b"\1" * 32, "padding"),
        (["uint256"], b"\0" * 31, "ends inside"),
        (["string"], (32).to_bytes(32, "big") + (1000).to_bytes(32, "big"), "longer than the data"),
        (["string"], (1 << 200).to_bytes(32, "big"), "offset past"),
        (["string"], (32).to_bytes(32, "big") + (2).to_bytes(32, "big") + b"\xff\xfe" + bytes(30), "utf-8"),
    ],
)
def test_malformed_data_is_refused(kinds: list[str], data: bytes, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        decode(kinds, data)
