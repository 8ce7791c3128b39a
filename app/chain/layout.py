"""Event data decoded by precomputed layouts: eth_abi's answers, at a fraction of its cost.

eth_abi builds a decoder tree and a stream per call, which made it most of an indexer's time. A
``Layout`` is computed once per event from its ABI types and reads the *canonical* encoding (the
only one Solidity emits: head words in order, each dynamic tail right after the previous one, the
data exactly as long as that) by slicing. It is at least as strict as eth_abi's strict mode: unsigned
integers and addresses with non-zero padding, booleans other than 0 and 1, strings that are not
UTF-8, non-zero tail padding, and offsets or lengths that are not where the canonical encoding puts
them are all refused by the fast path. What it refuses is handed to eth_abi, which decodes it (a
valid but unusual encoding) or raises; so the answer is always eth_abi's, only sooner.

Types the fast path knows: ``uint<N>``, ``address``, ``bool``, ``bytes<N>``, ``string``, ``bytes``
and ``uint<N>[]``; a layout with any other type always goes to eth_abi.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import to_checksum_address

WORD = 32
_UINT = re.compile(r"uint(\d{1,3})")
_BYTES_N = re.compile(r"bytes(\d{1,2})")
_ZERO = bytes(WORD)


class LayoutError(ValueError):
    """Data that eth_abi refuses too (its message)."""


@functools.lru_cache(maxsize=4096)
def checksum(address: bytes) -> str:
    """EIP-55 form of 20 bytes (a keccak per call; the same accounts and contracts recur)."""
    return to_checksum_address(address)


def _static(kind: str) -> tuple[str, int] | None:
    """(reader, parameter) for a one-word type, None if it is not one the fast path reads."""
    if kind == "address":
        return "address", 0
    if kind == "bool":
        return "bool", 0
    if (found := _UINT.fullmatch(kind)) and 8 <= int(found[1]) <= 256 and int(found[1]) % 8 == 0:
        return "uint", int(found[1]) // 8
    if (found := _BYTES_N.fullmatch(kind)) and 1 <= int(found[1]) <= 32:
        return "bytesN", int(found[1])
    return None


def _reader(kind: str) -> tuple[str, int] | None:
    if kind in ("string", "bytes"):
        return kind, 0
    if kind.endswith("[]") and (inner := _static(kind[:-2])) is not None and inner[0] == "uint":
        return "uints", inner[1]
    return _static(kind)


# What each field of a layout is read as (``Layout.ops``): the common word first.
UINT256, UINT, ADDRESS, BOOL, BYTES_N, STRING, BYTES, UINTS = range(8)
_OPS = {"uint": UINT, "address": ADDRESS, "bool": BOOL, "bytesN": BYTES_N, "string": STRING, "bytes": BYTES}
_FALSE, _TRUE = _ZERO, (1).to_bytes(WORD, "big")


def _op(kind: str, param: int) -> tuple[int, int]:
    """(op, its parameter): a uint's bound (``1 << bits``), a bytesN's width."""
    if kind == "uint":
        return (UINT256, 0) if param == WORD else (UINT, 1 << 8 * param)
    if kind == "uints":
        return UINTS, 1 << 8 * param
    return _OPS[kind], param


class Layout:
    """The decoder of one event's non-indexed data (its ABI types, in order)."""

    def __init__(self, types: Sequence[str]) -> None:
        self.types = tuple(types)
        readers = [_reader(t) for t in self.types]
        self.fast = all(r is not None for r in readers)
        # Per field: (op, the op's parameter, where its head word starts).
        self.ops = tuple((*_op(*r), WORD * n) for n, r in enumerate(readers) if r is not None)
        self.head = WORD * len(self.types)

    def decode(self, data: bytes) -> tuple[Any, ...]:
        """The values eth_abi's ``decode(types, data)`` gives; ``LayoutError`` where it raises."""
        if self.fast:
            values = self._canonical(data)
            if values is not None:
                return values
        try:
            return tuple(abi_decode(list(self.types), data))
        except Exception as exc:  # eth_abi raises many kinds for hostile data
            raise LayoutError(str(exc)) from exc

    def _canonical(self, data: bytes) -> tuple[Any, ...] | None:
        """The values if ``data`` is canonically encoded and valid; None to let eth_abi decide.

        A padded word is checked by its value (a uint below its bound, an address below 2**160)
        or by comparing bytes (a bool is the word 0 or 1; a bytesN's pad, a tail's pad, zeros)."""
        size = len(data)
        if size < self.head:
            return None
        read = int.from_bytes
        out: list[Any] = []
        tail = self.head  # where the next dynamic value must start
        for op, param, at in self.ops:
            if op == UINT256:
                out.append(read(data[at : at + WORD], "big"))
            elif op < STRING:
                word = data[at : at + WORD]
                if op == UINT:
                    value: Any = read(word, "big")
                    if value >= param:
                        return None
                elif op == ADDRESS:
                    if read(word, "big") >> 160:
                        return None
                    value = "0x" + word[12:].hex()  # eth_abi's form: lower case
                elif op == BOOL:
                    if word != _FALSE and word != _TRUE:
                        return None
                    value = word == _TRUE
                else:  # bytesN: left-aligned, zero padded
                    if data.count(0, at + param, at + WORD) != WORD - param:
                        return None
                    value = word[:param]
                out.append(value)
            else:
                if read(data[at : at + WORD], "big") != tail or tail + WORD > size:
                    return None
                length = read(data[tail : tail + WORD], "big")
                start = tail + WORD
                if length > size:
                    return None
                if op == UINTS:
                    tail = start + length * WORD
                    if tail > size:
                        return None
                    items = tuple(read(data[at : at + WORD], "big") for at in range(start, tail, WORD))
                    if any(item >= param for item in items):
                        return None
                    out.append(items)
                    continue
                end, tail = start + length, start + -(-length // WORD) * WORD
                if tail > size or data.count(0, end, tail) != tail - end:
                    return None
                if op == BYTES:
                    out.append(data[start:end])
                    continue
                try:
                    out.append(data[start:end].decode("utf-8"))
                except UnicodeDecodeError:
                    return None
        return tuple(out) if tail == size else None
