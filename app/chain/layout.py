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


def _word(kind: str, size: int, word: bytes) -> Any:
    """One head word as eth_abi gives it; None when eth_abi's strict mode would refuse it."""
    if kind == "uint":
        if any(word[: WORD - size]):
            return None
        return int.from_bytes(word, "big")
    if kind == "address":
        return None if any(word[:12]) else "0x" + word[12:].hex()  # eth_abi's form: lower case
    if kind == "bool":
        return None if word[:31] != _ZERO[:31] or word[31] > 1 else word[31] == 1
    if any(word[size:]):  # bytesN: left-aligned, zero padded
        return None
    return word[:size]


class Layout:
    """The decoder of one event's non-indexed data (its ABI types, in order)."""

    def __init__(self, types: Sequence[str]) -> None:
        self.types = tuple(types)
        readers = [_reader(t) for t in self.types]
        self.fast = all(r is not None for r in readers)
        self.readers: tuple[tuple[str, int], ...] = tuple(r for r in readers if r is not None)
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
        """The values if ``data`` is canonically encoded and valid; None to let eth_abi decide."""
        size = len(data)
        if size < self.head:
            return None
        out: list[Any] = []
        tail = self.head  # where the next dynamic value must start
        for index, (kind, param) in enumerate(self.readers):
            word = data[index * WORD : index * WORD + WORD]
            if kind in ("string", "bytes", "uints"):
                if int.from_bytes(word, "big") != tail or tail + WORD > size:
                    return None
                length = int.from_bytes(data[tail : tail + WORD], "big")
                start = tail + WORD
                if kind == "uints":
                    end = start + length * WORD
                    if length > size or end > size:
                        return None
                    items = []
                    for at in range(start, end, WORD):
                        value = _word("uint", param, data[at : at + WORD])
                        if value is None:
                            return None
                        items.append(value)
                    out.append(tuple(items))
                    tail = end
                    continue
                padded = start + -(-length // WORD) * WORD
                if length > size or padded > size or any(data[start + length : padded]):
                    return None
                raw = data[start : start + length]
                if kind == "string":
                    try:
                        out.append(raw.decode("utf-8"))
                    except UnicodeDecodeError:
                        return None
                else:
                    out.append(raw)
                tail = padded
                continue
            if kind == "uint" and param == WORD:  # no padding to check: the most common word
                out.append(int.from_bytes(word, "big"))
                continue
            value = _word(kind, param, word)
            if value is None:
                return None
            out.append(value)
        return tuple(out) if tail == size else None
