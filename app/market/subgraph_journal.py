"""The subgraph's journal entities checked field by field and rebuilt as the logs they stand for.

``subgraph/schema.graphql`` keeps one immutable entity per market event whose fields are the event's
parameters, named as in the ABI (uint* as BigInt text, address and bytes* as 0x-hex). ``Journal``
asks for exactly those fields, checks each value against its ABI type (addresses 20 bytes, integers
in their uintN range, fixed-size bytes of their size, CIDs that parse, ids that are their block and
log index), then ABI-encodes the log, so the catalogue's decoder and sink check it again exactly as
they check the chain's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from eth_abi import encode as abi_encode

from app.chain.contracts import load_artifact
from app.chain.raw_logs import RawLog
from app.market.catalog.decode import (
    CID_FIELDS,
    EVENTS,
    MARKET,
    OPTIONAL_CID_FIELDS,
    REGISTRY,
    VAULT,
    topic_of,
)
from app.storage import InvalidCid, as_cid

MAX_TEXT, MAX_BYTES_FIELD, MAX_ARRAY = 1024, 1024, 16
COMMON = "__typename id contract blockNumber blockHash transaction logIndex"
HEX = re.compile(r"0x(?:[0-9a-fA-F]{2})*")
DIGITS = re.compile(r"[0-9]{1,78}")
# Journal entity -> (contract, event): the events the catalogue reads (some are renamed).
RENAMED = {(REGISTRY, "Transfer"): "AssetTransfer", (MARKET, "Transfer"): "LicenseTransfer",
           (VAULT, "Claimed"): "RoyaltyClaim"}  # fmt: skip
JOURNAL = {RENAMED.get((c, n), n): (c, n) for c, names in EVENTS.items() for n in names}


class BadEntity(ValueError):
    """One journal entity out of shape; it is skipped with this reason."""


def graphql_type(abi_type: str) -> str:
    """The scalar a journal entity uses for an ABI parameter type (an array: its element's)."""
    base = abi_type.removesuffix("[]")
    if base.startswith(("uint", "int")):
        return "BigInt"
    if base.startswith("bytes") or base == "address":
        return "Bytes"
    return {"string": "String", "bool": "Boolean"}[base]


def _hex(value: Any, what: str, size: int | None = None, limit: int = MAX_BYTES_FIELD) -> bytes:
    if not isinstance(value, str) or not HEX.fullmatch(value) or len(value) > 2 + 2 * limit:
        raise BadEntity(f"{what} is not hex bytes: {str(value)[:80]!r}")
    raw = bytes.fromhex(value[2:])
    if size is not None and len(raw) != size:
        raise BadEntity(f"{what} has {len(raw)} bytes, not {size}")
    return raw


def _uint(value: Any, what: str, bits: int = 256) -> int:
    if not isinstance(value, str) or not DIGITS.fullmatch(value):  # a graph node sends BigInt as text
        raise BadEntity(f"{what} is not a whole number in decimal: {str(value)[:80]!r}")
    number = int(value)
    if number >= 2**bits:
        raise BadEntity(f"{what} {value[:40]} does not fit uint{bits}")
    return number


def _value(abi_type: str, value: Any, what: str) -> Any:
    """``value`` from the endpoint as eth_abi takes ``abi_type``, or ``BadEntity``."""
    if abi_type.endswith("[]"):
        if not isinstance(value, list) or len(value) > MAX_ARRAY:
            raise BadEntity(f"{what} is not a list of at most {MAX_ARRAY}")
        return [_value(abi_type[:-2], v, what) for v in value]
    if abi_type == "address":
        return "0x" + _hex(value, what, 20).hex()
    if abi_type.startswith("uint"):
        return _uint(value, what, int(abi_type[4:] or 256))
    if abi_type == "bool":
        if not isinstance(value, bool):
            raise BadEntity(f"{what} is not true or false")
        return value
    if abi_type == "string":
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise BadEntity(f"{what} is not text of at most {MAX_TEXT} characters")
        return value
    if abi_type == "bytes":
        return _hex(value, what)
    if abi_type.startswith("bytes"):
        return _hex(value, what, int(abi_type[5:]))
    raise BadEntity(f"{what}: an ABI type this reader does not know ({abi_type})")


def _word(abi_type: str, value: Any) -> bytes:
    if abi_type == "address":
        return bytes(12) + bytes.fromhex(value[2:])
    return int(value).to_bytes(32, "big")


def entity_id(block: int, log_index: int) -> str:
    """The subgraph's id for an event: block number (8 bytes), log index (4 bytes), big-endian."""
    return "0x" + block.to_bytes(8, "big").hex() + log_index.to_bytes(4, "big").hex()


class Journal:
    """The journal of one deployment's market contracts (those in ``addresses``): the query's
    fields, and ``to_log``."""

    def __init__(self, addresses: Mapping[str, str]) -> None:
        self.addresses = {c: a.lower() for c, a in addresses.items()}
        self.specs = {
            entity: next(e for e in load_artifact(c).abi if e.get("type") == "event" and e["name"] == n)
            for entity, (c, n) in JOURNAL.items()
            if c in self.addresses
        }
        fragments = " ".join(
            f"... on {entity} {{ {' '.join(i['name'] for i in spec['inputs'])} }}"
            for entity, spec in self.specs.items()
        )
        self.selection = f"{COMMON} {fragments}"
        self.query = (
            "query Journal($first: Int!, $after: Bytes!, $upto: BigInt!, $contracts: [Bytes!]!) { "
            "marketEvents(first: $first, orderBy: id, orderDirection: asc, where: "
            "{id_gt: $after, blockNumber_lte: $upto, contract_in: $contracts}) "
            f"{{ {self.selection} }} }}"
        )

    def to_log(self, entity: Any) -> RawLog:
        """The log a journal entity stands for, every field checked; ``BadEntity`` otherwise."""
        if not isinstance(entity, dict):
            raise BadEntity("an entry that is not an object")
        spec = self.specs.get(entity.get("__typename"))  # type: ignore[arg-type]
        if spec is None:
            raise BadEntity(f"an event the catalogue does not read: {str(entity.get('__typename'))[:60]!r}")
        name = spec["name"]
        contract, _ = JOURNAL[entity["__typename"]]
        address = "0x" + _hex(entity.get("contract"), f"{name}.contract", 20).hex()
        if address != self.addresses[contract]:
            raise BadEntity(f"{name} from {address}, not this network's {contract}")
        block = _uint(entity.get("blockNumber"), f"{name}.blockNumber", 63)
        log_index = _uint(entity.get("logIndex"), f"{name}.logIndex", 32)
        if entity.get("id") != entity_id(block, log_index):
            raise BadEntity(
                f"{name}: its id {str(entity.get('id'))[:40]} is not block {block}, log {log_index}"
            )
        values = {}
        for item in spec["inputs"]:
            value = _value(item["type"], entity.get(item["name"]), f"{name}.{item['name']}")
            if item["name"] in CID_FIELDS or (item["name"] in OPTIONAL_CID_FIELDS and value):
                try:
                    as_cid(value)
                except (InvalidCid, ValueError, TypeError) as exc:
                    raise BadEntity(f"{name}.{item['name']} {value[:80]!r} is not a CID ({exc})") from exc
            values[item["name"]] = value
        indexed = [i for i in spec["inputs"] if i["indexed"]]
        plain = [i for i in spec["inputs"] if not i["indexed"]]
        return RawLog(
            address,
            (topic_of(spec), *(_word(i["type"], values[i["name"]]) for i in indexed)),
            abi_encode([i["type"] for i in plain], [values[i["name"]] for i in plain]),
            block,
            "0x" + _hex(entity.get("blockHash"), f"{name}.blockHash", 32).hex(),
            "0x" + _hex(entity.get("transaction"), f"{name}.transaction", 32).hex(),
            log_index,
        )
