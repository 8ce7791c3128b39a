"""ABI encoding and decoding of the types the TaskBoard's views and events use, without eth_abi.

``sahara label campaigns`` must answer in well under a second, and eth_abi (with eth_utils, which
it imports) alone took 0.3-0.8 s to import on a busy machine. The board needs little of it: view
arguments are numbers and addresses, answers and events are numbers, addresses, booleans,
``bytesN``, strings and structs of those. This module does exactly that, strictly (a word out of
range, bad padding or a short buffer raises ``ValueError``), and keccak comes from pycryptodome.
``tests/unit/test_labeling_abi_words.py`` holds it to eth_abi's answers for every TaskBoard view and
event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

WORD = 32


def keccak(data: bytes) -> bytes:
    from Crypto.Hash import keccak as _keccak  # not eth_utils: its import alone costs more than the read

    return _keccak.new(data=data, digest_bits=256).digest()


def checksum(address: str | bytes) -> str:
    """An address in EIP-55 form; ``ValueError`` for anything that is not 20 bytes."""
    text = address.hex() if isinstance(address, bytes) else str(address).lower().removeprefix("0x")
    if len(text) != 40 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError(f"not an address: {address!r}")
    digest = keccak(text.encode()).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(text))


def components(kind: str) -> list[str]:
    """The member types of a tuple type ``(t1,t2,...)``, split at the top level."""
    inner, parts, depth, start = kind[1:-1], [], 0, 0
    for i, c in enumerate(inner):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if c == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    return [*parts, inner[start:]] if inner else parts


def dynamic(kind: str) -> bool:
    if kind.endswith("]"):
        raise ValueError(f"arrays are not used by the board: {kind}")
    if kind.startswith("("):
        return any(dynamic(c) for c in components(kind))
    return kind in ("string", "bytes")


def _head(kind: str) -> int:
    if kind.startswith("(") and not dynamic(kind):
        return sum(_head(c) for c in components(kind))
    return WORD


def _word(data: bytes, at: int) -> bytes:
    if at < 0 or at + WORD > len(data):
        raise ValueError("the data ends inside a value")
    return data[at : at + WORD]


def _elementary(kind: str, word: bytes) -> Any:
    number = int.from_bytes(word, "big")
    if kind.startswith("uint"):
        if number >> int(kind[4:] or 256):
            raise ValueError(f"{kind} out of range")
        return number
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        signed = number - (1 << 256) if number >> 255 else number
        if not -(1 << (bits - 1)) <= signed < 1 << (bits - 1):
            raise ValueError(f"{kind} out of range")
        return signed
    if kind == "address":
        if word[:12] != bytes(12):
            raise ValueError("an address with its padding set")
        return checksum(word[12:])
    if kind == "bool":
        if number > 1:
            raise ValueError("a bool that is neither 0 nor 1")
        return bool(number)
    if kind.startswith("bytes") and kind[5:].isdigit():
        size = int(kind[5:])
        if not 1 <= size <= WORD or any(word[size:]):
            raise ValueError(f"{kind} with its padding set")
        return word[:size]
    raise ValueError(f"an ABI type the board does not use: {kind}")


def _value(kind: str, data: bytes, at: int) -> Any:
    if kind.startswith("("):
        return _tuple(components(kind), data, at)
    if kind in ("string", "bytes"):
        size = int.from_bytes(_word(data, at), "big")
        if at + WORD + size > len(data):
            raise ValueError(f"a {kind} longer than the data")
        raw = data[at + WORD : at + WORD + size]
        return raw.decode("utf-8") if kind == "string" else raw  # a bad string raises ValueError
    return _elementary(kind, _word(data, at))


def _tuple(kinds: Sequence[str], data: bytes, base: int) -> tuple[Any, ...]:
    values, at = [], base
    for kind in kinds:
        if dynamic(kind):
            offset = int.from_bytes(_word(data, at), "big")
            if offset > len(data):
                raise ValueError("an offset past the data")
            values.append(_value(kind, data, base + offset))
        else:
            values.append(_value(kind, data, at))
        at += _head(kind)
    return tuple(values)


def decode(kinds: Sequence[str], data: bytes) -> tuple[Any, ...]:
    """The values of ``kinds`` ABI-encoded in ``data`` (addresses checksummed)."""
    return _tuple(kinds, data, 0)


def encode(kinds: Sequence[str], values: Sequence[Any]) -> bytes:
    """Arguments of a view call: numbers, addresses and booleans (what the board's views take)."""
    out = bytearray()
    for kind, value in zip(kinds, values, strict=True):
        if kind == "address":
            out += bytes(12) + bytes.fromhex(checksum(value)[2:])
        elif kind == "bool" or kind.startswith(("uint", "int")):
            number = int(value)
            if kind.startswith("uint") and not 0 <= number < 1 << int(kind[4:] or 256):
                raise ValueError(f"{value} does not fit {kind}")
            out += (number % (1 << 256)).to_bytes(WORD, "big")
        else:
            raise ValueError(f"a view argument the board does not take: {kind}")
    return bytes(out)
