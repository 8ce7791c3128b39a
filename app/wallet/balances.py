"""What the wallet's accounts hold: ETH for gas, and SAHARA once the contracts are deployed.

The one place balances are read from the chain, so the window asks this service and never web3
itself (the UI layer holds no contract bindings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.chain.client import ChainClient


@dataclass(frozen=True)
class Balance:
    eth: int  # wei
    sahara: int | None  # SAHARA's smallest unit; None where the token is not deployed


async def read_balances(
    client: ChainClient, addresses: Sequence[str], token: str | None
) -> dict[str, Balance]:
    """Every address's balances; raises ``ChainUnavailable`` when the node does not answer."""
    balances: dict[str, Balance] = {}
    for address in addresses:
        eth = int(await client.ask(client.w3.eth.get_balance(address)))
        sahara = None if token is None else await token_balance(client, token, address)
        balances[address] = Balance(eth, sahara)
    return balances


async def token_balance(client: ChainClient, token: str, address: str) -> int:
    """``address``'s balance of the ERC-20 at ``token``."""
    from app.chain.bindings import bind

    contract = bind(client.w3, "SaharaToken", token)
    return int(await client.ask(contract.functions.balanceOf(address).call()))
