"""The TaskBoard's ABI without web3: view calls encoded and decoded, events decoded.

web3 costs over a second to import (eth_account builds py_ecc's tables), and reading the board
needs none of it: a view call is ``eth_call`` with a selector and ABI-encoded arguments, an event a
topic and ABI-encoded data (``abi_words``: the types the board uses, without eth_abi's import).
The shapes follow web3's so callers see the same values: addresses checksummed, ``bytesN`` as
bytes, a struct as a dict of its fields by name.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.chain.contracts import load_artifact
from app.labeling.abi_words import checksum, decode, encode, keccak

CONTRACT = "TaskBoard"


@dataclass(frozen=True)
class Event:
    """One decoded log: its name, fields, and where it happened."""

    name: str
    args: dict[str, Any]
    block: int
    tx_hash: str
    log_index: int


def canonical(param: Mapping[str, Any]) -> str:
    """An ABI parameter's canonical type (a struct as ``(t1,t2,...)``, arrays kept)."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(canonical(c) for c in param["components"]) + ")" + kind[len("tuple") :]
    return kind


def _shaped(param: Mapping[str, Any], value: Any) -> Any:
    """A decoded value as web3 shows it."""
    kind = str(param["type"])
    if kind.endswith("]"):
        inner = dict(param) | {"type": kind[: kind.rindex("[")]}
        return [_shaped(inner, v) for v in value]
    if kind == "tuple":
        return {c["name"]: _shaped(c, v) for c, v in zip(param["components"], value, strict=True)}
    if kind == "address":
        return checksum(value)
    return value


class BoardAbi:
    """Encoding and decoding for the TaskBoard's functions and events (from the shipped ABI)."""

    def __init__(self, abi: Sequence[Mapping[str, Any]]) -> None:
        self.functions = {e["name"]: e for e in abi if e.get("type") == "function"}
        self.events = {e["name"]: e for e in abi if e.get("type") == "event"}
        self.topics = {name: self._topic(e) for name, e in self.events.items()}
        self.by_topic = {t: name for name, t in self.topics.items()}

    @staticmethod
    def _topic(event: Mapping[str, Any]) -> bytes:
        return keccak(f"{event['name']}({','.join(canonical(i) for i in event['inputs'])})".encode())

    def call_data(self, function: str, *args: Any) -> str:
        """``eth_call`` data for ``function(*args)`` (addresses as hex strings)."""
        entry = self.functions[function]
        types = [canonical(i) for i in entry["inputs"]]
        selector = keccak(f"{function}({','.join(types)})".encode())[:4]
        return "0x" + (selector + encode(types, list(args))).hex()

    def result(self, function: str, data: bytes) -> Any:
        """A view's decoded answer: the value, or a tuple for several outputs (a struct as a tuple)."""
        outputs = self.functions[function]["outputs"]
        values = decode([canonical(o) for o in outputs], data)
        shaped = [v if o["type"] != "address" else checksum(v) for o, v in zip(outputs, values, strict=True)]
        return shaped[0] if len(shaped) == 1 else tuple(shaped)

    def decode(self, topics: Sequence[bytes], data: bytes) -> tuple[str, dict[str, Any]]:
        """An event's name and arguments; ``ValueError`` for a log that is not a TaskBoard event."""
        if not topics or topics[0] not in self.by_topic:
            raise ValueError("not a TaskBoard event")
        name = self.by_topic[topics[0]]
        inputs = self.events[name]["inputs"]
        indexed = [i for i in inputs if i["indexed"]]
        plain = [i for i in inputs if not i["indexed"]]
        if len(topics) != 1 + len(indexed):
            raise ValueError(f"{name}: {len(topics) - 1} indexed values, the ABI has {len(indexed)}")
        try:
            values = decode([canonical(i) for i in plain], data)
            keyed = [decode([canonical(i)], t)[0] for i, t in zip(indexed, topics[1:], strict=True)]
        except ValueError as exc:  # malformed data: short, out of range, bad padding or UTF-8
            raise ValueError(f"{name}: undecodable ({exc})") from exc
        args = {i["name"]: _shaped(i, v) for i, v in zip(indexed, keyed, strict=True)}
        args |= {i["name"]: _shaped(i, v) for i, v in zip(plain, values, strict=True)}
        return name, args


@functools.cache
def board_abi() -> BoardAbi:
    return BoardAbi(load_artifact(CONTRACT).abi)
