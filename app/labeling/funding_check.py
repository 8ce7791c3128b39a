"""Can this account fund a campaign? Asked before a single image is uploaded.

A campaign is funded in one transaction (``createCampaignWithPermit``) at the very end of its
creation, after the images, the manifest and the gold set are stored. Learning only then that the
account lacks SAHARA wasted the whole upload (10,000 images, then ``ERC20InsufficientBalance``
with no hint), so the service reads the balances and the token's permit domain first and refuses
in words, with how to get SAHARA on this network.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import to_checksum_address

from app.chain.bindings import bind
from app.chain.client import ChainClient
from app.chain.devnet import DEVNET_CHAIN_ID

DEVNET_HINT = (
    "On the local devnet the faucet gives test SAHARA: press the Faucet button on the Wallet page "
    "(1,000 SAHARA, once an hour)."
)
ELSEWHERE_HINT = (
    "Move SAHARA to this account from another wallet or an exchange that lists it on this network; "
    "ask the network's operators if it has a faucet."
)


class FundingError(ValueError):
    """The campaign cannot be funded from this account; the message says why and what to do."""


@dataclass(frozen=True)
class Funds:
    """What the account holds, in wei, read from the chain."""

    sahara: int
    eth: int


def how_to_get_sahara(chain_id: int) -> str:
    return DEVNET_HINT if chain_id == DEVNET_CHAIN_ID else ELSEWHERE_HINT


async def read_funds(client: ChainClient, token: str, owner: str) -> Funds:
    contract = bind(client.w3, "SaharaToken", to_checksum_address(token))
    owner = to_checksum_address(owner)
    sahara = int(await client.ask(contract.functions.balanceOf(owner).call()))
    eth = int(await client.ask(client.w3.eth.get_balance(owner)))
    return Funds(sahara, eth)


async def check_funding(client: ChainClient, token: str, owner: str, escrow: int, chain_id: int) -> Funds:
    """Refuse (``FundingError``) unless ``owner`` holds ``escrow`` SAHARA, some ETH for the fee,
    and the token offers a permit this app can sign (funding is one permit-carrying transaction)."""
    from app.chain.permit import PermitError, token_domain
    from app.words import format_sahara

    funds = await read_funds(client, token, owner)
    if funds.sahara < escrow:
        raise FundingError(
            f"The campaign needs {format_sahara(escrow, max_decimals=6)} in escrow and the account "
            f"{owner} holds {format_sahara(funds.sahara, max_decimals=6)}; nothing was uploaded. "
            + how_to_get_sahara(chain_id)
        )
    if funds.eth == 0:
        hint = " The Wallet page's Faucet button sends test ETH." if chain_id == DEVNET_CHAIN_ID else ""
        raise FundingError(
            f"The account {owner} has no ETH to pay the funding transaction's fee; nothing was uploaded."
            + hint
        )
    try:
        await token_domain(client, token)
    except PermitError as exc:
        raise FundingError(f"The campaign cannot be funded with a permit: {exc}") from exc
    return funds
