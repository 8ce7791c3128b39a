"""Encode calls and deployments from the shipped artifacts, and bind deployed contracts.

Encoding needs no network, so it uses a provider-less web3 object; reading and sending go through
the one ``ChainClient`` and the outbox. Everything here is synchronous and cheap.
"""

from __future__ import annotations

import functools
from typing import Any

from app.chain.contracts import Artifact, load_artifact


@functools.cache
def _codec() -> Any:
    from web3 import Web3

    return Web3()


def encode_call(name: str, function: str, *args: Any) -> bytes:
    """Calldata for ``function(*args)`` on contract ``name``."""
    contract = _codec().eth.contract(abi=load_artifact(name).abi)
    return bytes.fromhex(contract.encode_abi(function, args=list(args))[2:])


def encode_deploy(artifact: Artifact, *args: Any) -> bytes:
    """Init code: bytecode followed by the ABI-encoded constructor arguments."""
    from eth_abi import encode

    constructor = next((e for e in artifact.abi if e.get("type") == "constructor"), {"inputs": []})
    types = [_type_string(i) for i in constructor["inputs"]]
    return artifact.bytecode + encode(types, list(args))


def _type_string(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_type_string(c) for c in param["components"]) + ")" + kind[len("tuple") :]
    return kind


def bind(w3: Any, name: str, address: str) -> Any:
    """An async web3 contract object for ``name`` at ``address`` (reads via ``.functions.x().call()``)."""
    return w3.eth.contract(address=address, abi=load_artifact(name).abi)
