"""EIP-2612 permits: the typed data OZ's ERC20Permit checks, signed like eth-account and the wallet do.

A real ``permit`` / ``buyWithPermit`` / ``createCampaignWithPermit`` on a devnet is in
tests/integration/test_contract_paths.py; here the digest is rebuilt by hand from the EIP-712 and
ERC-2612 definitions, so the typed data cannot silently drift from what the token verifies.
"""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from app.chain.permit import (
    PermitError,
    TokenDomain,
    permit_typed_data,
    sign_permit,
    split_signature,
)
from app.wallet.hd import signing_account
from app.wallet.service import WalletService

MNEMONIC = "test test test test test test test test test test test junk"
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SPENDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
DOMAIN = TokenDomain("Sahara", "1", 31337, TOKEN)


def manual_digest(owner: str, spender: str, value: int, nonce: int, deadline: int) -> bytes:
    """EIP-712 digest as OZ's EIP712 + ERC20Permit compute it."""
    domain_type = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    separator = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [domain_type, keccak(text="Sahara"), keccak(text="1"), 31337, TOKEN],
        )
    )
    permit_type = keccak(
        text="Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    )
    struct = keccak(
        encode(
            ["bytes32", "address", "address", "uint256", "uint256", "uint256"],
            [permit_type, owner, spender, value, nonce, deadline],
        )
    )
    return keccak(b"\x19\x01" + separator + struct)


def test_typed_data_hashes_to_the_tokens_digest() -> None:
    owner = signing_account(MNEMONIC, 0)
    typed = permit_typed_data(DOMAIN, owner.address.lower(), SPENDER, 7 * 10**18, 3, 2**40)
    signable = encode_typed_data(full_message=typed)
    digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
    assert digest == manual_digest(owner.address, SPENDER, 7 * 10**18, 3, 2**40)
    assert typed["message"]["owner"] == owner.address  # checksummed


def test_local_account_signature_equals_eth_account_and_recovers() -> None:
    owner = signing_account(MNEMONIC, 0)
    typed = permit_typed_data(DOMAIN, owner.address, SPENDER, 10**18, 0, 2**40)
    permit = sign_permit(typed, owner)
    expected = Account.sign_typed_data(owner.key, full_message=typed)
    assert (permit.v, permit.r, permit.s) == (
        expected.v,
        expected.r.to_bytes(32, "big"),
        expected.s.to_bytes(32, "big"),
    )
    assert permit.args == (2**40, expected.v, expected.r.to_bytes(32, "big"), expected.s.to_bytes(32, "big"))
    assert (permit.owner, permit.spender, permit.value, permit.nonce) == (owner.address, SPENDER, 10**18, 0)
    recovered = Account.recover_message(
        encode_typed_data(full_message=typed), vrs=(permit.v, permit.r, permit.s)
    )
    assert recovered == owner.address


def test_wallet_service_signs_the_same_permit(tmp_path) -> None:
    wallet = WalletService(tmp_path / "wallet", scrypt_n=1 << 12)
    wallet.create(MNEMONIC, "password1")
    wallet.add_account()
    owner = signing_account(MNEMONIC, 1)
    typed = permit_typed_data(DOMAIN, owner.address, SPENDER, 5, 2, 2**33)
    via_wallet = sign_permit(typed, lambda data: wallet.sign_typed_data(data, index=1))
    assert via_wallet == sign_permit(typed, owner)


def test_a_permit_signed_by_another_account_is_refused(tmp_path) -> None:
    owner, other = signing_account(MNEMONIC, 0), signing_account(MNEMONIC, 1)
    typed = permit_typed_data(DOMAIN, owner.address, SPENDER, 5, 0, 2**33)
    with pytest.raises(PermitError, match="signed by " + other.address):
        sign_permit(typed, other)
    wallet = WalletService(tmp_path / "wallet", scrypt_n=1 << 12)
    wallet.create(MNEMONIC, "password1")
    wallet.add_account()
    wallet.active_index = 1  # the active account is not the permit's owner
    with pytest.raises(PermitError, match="was signed by"):
        sign_permit(typed, wallet.sign_typed_data)


def test_split_signature() -> None:
    r, s = b"\x01" * 32, b"\x02" * 32
    assert split_signature(r + s + bytes([27])) == (27, r, s)
    assert split_signature(r + s + bytes([1])) == (28, r, s)  # recovery id form
    with pytest.raises(PermitError, match="65 bytes"):
        split_signature(r + s)
    with pytest.raises(PermitError, match="v value"):
        split_signature(r + s + bytes([30]))
