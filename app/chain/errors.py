"""Turn our contracts' custom errors into words.

Nodes report a custom error as bare hex (``0x`` + selector + ABI-encoded arguments); users should
read ``CoolingDown(account=0x…, availableAt=…)``. The table covers every error in the shipped ABIs.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from app.chain.contracts import CONTRACTS, load_artifact


@functools.cache
def _errors() -> dict[str, tuple[str, list[str], list[str]]]:
    """4-byte selector (hex) → (name, argument names, argument types) for every error in our ABIs."""
    table: dict[str, tuple[str, list[str], list[str]]] = {}
    for name in CONTRACTS:
        for entry in load_artifact(name).abi:
            if entry.get("type") == "error":
                types = [str(i["type"]) for i in entry["inputs"]]  # no tuple-typed errors in our ABIs
                selector = function_signature_to_4byte_selector(f"{entry['name']}({','.join(types)})")
                table[selector.hex()] = (entry["name"], [i["name"] for i in entry["inputs"]], types)
    return table


def decode_revert(message: str) -> str:
    """``"Name(arg=value, …)"`` for a revert message carrying one of our contracts' custom errors.

    Nodes report custom errors as bare hex data (``0x`` + selector + ABI-encoded arguments), which
    means nothing to a user; a reason string or an unknown selector is returned unchanged.
    """
    from eth_abi import decode

    text = message.strip()
    match = re.search(r"0x([0-9a-fA-F]{8,})", text)
    found = _errors().get(match.group(1)[:8].lower()) if match else None
    if match is None or found is None:
        return text
    name, arg_names, types = found
    try:
        values = decode(types, bytes.fromhex(match.group(1)[8:]))
    except Exception:  # malformed argument data: naming the error is still better than hex
        return name
    shown = [_show(kind, value) for kind, value in zip(types, values, strict=True)]
    return f"{name}({', '.join(f'{n}={v}' for n, v in zip(arg_names, shown, strict=True))})"


def _show(kind: str, value: Any) -> str:
    if kind == "address":
        return to_checksum_address(value)
    return "0x" + value.hex() if isinstance(value, bytes) else str(value)
