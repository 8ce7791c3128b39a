"""EIP-2612 permits for SaharaToken: approve a spender with a signature instead of a transaction.

Buying a license, funding a campaign or posting a compute job would otherwise take two transactions
(``approve``, then the call). The ``*WithPermit`` functions take a permit instead, so the user signs
one EIP-712 message (free, off chain) and sends one transaction. The signature covers the token's
EIP-712 domain, which we read from the token itself (ERC-5267 ``eip712Domain()``, falling back to
name "Sahara", version "1" for a token without it), so a token redeployed with another version or on
another chain can never be signed for by mistake. The owner's permit nonce is read at signing time.

Signing works with an eth-account ``LocalAccount`` or any callable returning the 65-byte signature
of a typed-data dict, such as ``WalletService.sign_typed_data`` (the only place keys live in the app).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from app.chain.bindings import bind
from app.chain.client import ChainClient

DEFAULT_NAME = "Sahara"
DEFAULT_VERSION = "1"
DEFAULT_TTL_S = 3600
_DOMAIN_FIELDS = 0x0F  # ERC-5267 bits: name, version, chainId, verifyingContract (no salt/extensions)

EIP712_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
PERMIT_TYPE = [
    {"name": "owner", "type": "address"},
    {"name": "spender", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]

TypedDataSigner = LocalAccount | Callable[[dict[str, Any]], bytes]


class PermitError(ValueError):
    """The token's domain is not one this module can sign for, or a signature is malformed."""


@dataclass(frozen=True)
class TokenDomain:
    name: str
    version: str
    chain_id: int
    verifying_contract: str


@dataclass(frozen=True)
class Permit:
    """A signed permit; ``args`` are the trailing ``deadline, v, r, s`` of every ``*WithPermit`` call."""

    owner: str
    spender: str
    value: int
    nonce: int
    deadline: int
    v: int
    r: bytes
    s: bytes

    @property
    def args(self) -> tuple[int, int, bytes, bytes]:
        return self.deadline, self.v, self.r, self.s


def permit_typed_data(
    domain: TokenDomain, owner: str, spender: str, value: int, nonce: int, deadline: int
) -> dict[str, Any]:
    """The EIP-712 message ``ERC20Permit.permit`` checks, as eth-account's ``full_message``."""
    return {
        "types": {"EIP712Domain": EIP712_DOMAIN_TYPE, "Permit": PERMIT_TYPE},
        "primaryType": "Permit",
        "domain": {
            "name": domain.name,
            "version": domain.version,
            "chainId": domain.chain_id,
            "verifyingContract": to_checksum_address(domain.verifying_contract),
        },
        "message": {
            "owner": to_checksum_address(owner),
            "spender": to_checksum_address(spender),
            "value": value,
            "nonce": nonce,
            "deadline": deadline,
        },
    }


def split_signature(signature: bytes) -> tuple[int, bytes, bytes]:
    """65 bytes r‖s‖v → (v, r, s) with v in {27, 28}, as ``permit`` takes them."""
    if len(signature) != 65:
        raise PermitError(f"A signature has 65 bytes (r, s, v), not {len(signature)}.")
    v = signature[64]
    if v < 27:  # some signers return the recovery id (0/1) instead of 27/28
        v += 27
    if v not in (27, 28):
        raise PermitError(f"Invalid signature v value {signature[64]}.")
    return v, signature[:32], signature[32:64]


def sign_permit(typed_data: dict[str, Any], signer: TypedDataSigner) -> Permit:
    """Sign ``typed_data`` (from ``permit_typed_data``) and return the permit's arguments.

    The signature is checked to recover to the permit's owner: the ``*WithPermit`` functions
    ignore a failing permit, so a permit signed by the wrong account (say, the wallet's active
    account is not the buyer) would only surface later as a confusing "insufficient allowance".
    """
    encoded = encode_typed_data(full_message=typed_data)
    if isinstance(signer, LocalAccount):
        signature = bytes(signer.sign_message(encoded).signature)
    else:
        signature = bytes(signer(typed_data))
    v, r, s = split_signature(signature)
    message = typed_data["message"]
    signed_by = Account.recover_message(encoded, vrs=(v, r, s))
    if signed_by != to_checksum_address(message["owner"]):
        raise PermitError(f"The permit is for {message['owner']} but was signed by {signed_by}.")
    return Permit(
        message["owner"], message["spender"], message["value"], message["nonce"], message["deadline"], v, r, s
    )


async def token_domain(client: ChainClient, token: str) -> TokenDomain:
    """The token's EIP-712 domain from ``eip712Domain()``; defaults for a token without ERC-5267."""
    from web3.exceptions import Web3Exception

    contract = bind(client.w3, "SaharaToken", to_checksum_address(token))
    try:
        fields, name, version, chain_id, verifying, _salt, extensions = await client.ask(
            contract.functions.eip712Domain().call()
        )
    except Web3Exception:  # no such function (reverts or returns nothing): an older token
        return TokenDomain(DEFAULT_NAME, DEFAULT_VERSION, await client.chain_id(), to_checksum_address(token))
    if bytes(fields) != bytes([_DOMAIN_FIELDS]) or extensions:
        raise PermitError(
            f"The token's EIP-712 domain uses fields {bytes(fields).hex()}; only 0f is supported."
        )
    if to_checksum_address(verifying) != to_checksum_address(token):
        raise PermitError(f"The token at {token} reports a domain for {verifying}; refusing to sign.")
    return TokenDomain(str(name), str(version), int(chain_id), to_checksum_address(verifying))


async def chain_deadline(client: ChainClient, ttl_s: int = DEFAULT_TTL_S) -> int:
    """A deadline ``ttl_s`` after the latest block's time (the chain's clock, not this machine's)."""
    block = await client.ask(client.w3.eth.get_block("latest"))
    return int(block["timestamp"]) + ttl_s


async def signed_permit(
    client: ChainClient,
    token: str,
    signer: TypedDataSigner,
    spender: str,
    value: int,
    *,
    owner: str | None = None,
    deadline: int | None = None,
) -> Permit:
    """Read the domain and the owner's nonce, then sign a permit for ``spender`` to pull ``value``.

    ``owner`` defaults to a ``LocalAccount`` signer's address; a callable signer (the wallet) must
    name it. Without ``deadline`` the permit is valid for an hour of chain time.
    """
    if owner is None:
        if not isinstance(signer, LocalAccount):
            raise PermitError("Name the permit's owner when signing through a callable.")
        owner = signer.address
    domain = await token_domain(client, token)
    contract = bind(client.w3, "SaharaToken", domain.verifying_contract)
    nonce = int(await client.ask(contract.functions.nonces(to_checksum_address(owner)).call()))
    if deadline is None:
        deadline = await chain_deadline(client)
    return sign_permit(permit_typed_data(domain, owner, spender, value, nonce, deadline), signer)
