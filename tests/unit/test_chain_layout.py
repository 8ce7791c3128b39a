"""The layout decoder gives eth_abi's answer for every input: the same values for valid data, an
error wherever eth_abi's strict mode raises. Each attack below is a hostile event payload."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from hypothesis import given, settings
from hypothesis import strategies as st

from app.chain.layout import Layout, LayoutError

# The market's AssetRegistered data: every type the fast path reads.
TYPES = [
    "string",
    "string",
    "uint256[]",
    "uint16",
    "uint16",
    "bytes32",
    "uint256",
    "string",
    "address",
    "uint256",
]
VALUES: list[Any] = [
    "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
    "",
    [1, 2**200],
    500,
    10_000,
    b"\x07" * 32,
    2**256 - 1,
    "ünïcode ✓",
    "0x" + "ab" * 20,
    0,
]
OFFER = ["uint256", "uint64", "uint32", "bool", "bool", "bool", "bytes"]


def eth_abi(types: list[str], data: bytes) -> tuple[Any, ...] | type[Exception]:
    try:
        return tuple(abi_decode(types, data))
    except Exception:
        return Exception


def ours(types: list[str], data: bytes) -> tuple[Any, ...] | type[Exception]:
    try:
        return Layout(types).decode(data)
    except LayoutError:
        return Exception


def word(n: int) -> bytes:
    return n.to_bytes(32, "big")


def test_valid_data_decodes_to_eth_abis_values_by_the_fast_path() -> None:
    data = abi_encode(TYPES, VALUES)
    layout = Layout(TYPES)
    assert layout.fast and layout._canonical(data) is not None
    assert layout.decode(data) == tuple(abi_decode(TYPES, data))
    offer = abi_encode(OFFER, [10**18, 2**64 - 1, 7, True, False, True, b"\x04" * 65])
    assert Layout(OFFER).decode(offer) == tuple(abi_decode(OFFER, offer))


def test_no_data_and_no_types_decodes_to_nothing() -> None:
    assert Layout([]).decode(b"") == ()


@pytest.mark.parametrize(
    ("why", "types", "data"),
    [
        ("uint16 with a non-zero padding byte", ["uint16"], word(1 << 16)),
        ("bool of 2", ["bool"], word(2)),
        ("bool with a padding byte", ["bool"], word(1 | 1 << 100)),
        ("address wider than 20 bytes", ["address"], word(1 << 170)),
        ("bytes4 with bytes after its width", ["bytes4"], b"\x01" * 5 + bytes(27)),
        ("string offset past the end", ["string"], word(4096)),
        ("string length past the end", ["string"], word(32) + word(100) + b"a" * 32),
        ("string length of 2**255", ["string"], word(32) + word(2**255) + b"a" * 32),
        ("string that is not UTF-8", ["string"], word(32) + word(2) + b"\xff\xfe" + bytes(30)),
        ("string with non-zero tail padding", ["string"], word(32) + word(1) + b"a" + b"\x01" * 31),
        ("array length of 2**250", ["uint256[]"], word(32) + word(2**250)),
        ("uint16[] item too wide", ["uint16[]"], word(32) + word(1) + word(70_000)),
        ("truncated head", ["uint256", "uint256"], word(1)[:40]),
        ("empty data for a field", ["uint256"], b""),
    ],
)
def test_hostile_data_is_refused_as_eth_abi_refuses_it(why: str, types: list[str], data: bytes) -> None:
    assert eth_abi(types, data) is Exception, why
    with pytest.raises(LayoutError):
        Layout(types).decode(data)


def test_valid_but_unusual_encodings_get_eth_abis_answer() -> None:
    gap = word(64) + bytes(32) + word(3) + b"abc" + bytes(29)  # an offset past a gap of zeros
    trailing = abi_encode(["uint256"], [5]) + b"\x00" * 7  # bytes after the last value
    for types, data in ((["string"], gap), (["uint256"], trailing)):
        assert Layout(types)._canonical(data) is None  # not the fast path's: eth_abi decides
        assert ours(types, data) == eth_abi(types, data)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_mutation_of_an_event_gets_eth_abis_answer(data: st.DataObject) -> None:
    payload = bytearray(abi_encode(TYPES, VALUES))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(payload) - 1))
        payload[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(payload) - 64, len(payload)))
    mutated = bytes(payload[:cut])
    assert ours(TYPES, mutated) == eth_abi(TYPES, mutated)


def _value(kind: str) -> st.SearchStrategy[Any]:
    """Any value of ``kind`` that eth_abi encodes."""
    if kind.endswith("[]"):
        return st.lists(_value(kind[:-2]), max_size=4)
    if kind.startswith("uint"):
        return st.integers(0, 2 ** int(kind[4:]) - 1)
    if kind.startswith("bytes") and kind != "bytes":
        return st.binary(min_size=int(kind[5:]), max_size=int(kind[5:]))
    return {
        "address": st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex()),
        "bool": st.booleans(),
        "string": st.text(max_size=70),
        "bytes": st.binary(max_size=70),
    }[kind]


KINDS = ["uint8", "uint16", "uint64", "uint256", "address", "bool", "bytes1", "bytes4", "bytes32",
         "string", "bytes", "uint256[]", "uint16[]"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_layout_and_values_and_mutations_get_eth_abis_answer(data: st.DataObject) -> None:
    """Every type the fast path reads, in any order, with any values; then bytes changed, cut or
    added: always eth_abi's values, or a refusal where eth_abi refuses."""
    types = data.draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=6))
    payload = abi_encode(types, [data.draw(_value(kind)) for kind in types])
    assert Layout(types)._canonical(payload) == tuple(abi_decode(types, payload))
    mutated = bytearray(payload)
    for _ in range(data.draw(st.integers(0, 3))):
        at = data.draw(st.integers(0, len(mutated) - 1))
        mutated[at] = data.draw(st.sampled_from([0, 1, 2, 0x20, 0x40, 0xFF]) | st.integers(0, 255))
    mutated = mutated[: data.draw(st.integers(0, len(mutated)))] + data.draw(st.binary(max_size=40))
    assert ours(types, bytes(mutated)) == eth_abi(types, bytes(mutated))
