"""Accounts derived from the wallet secret.

Signing accounts use BIP-44 ``m/44'/60'/0'/0/i``, so the same words give the same addresses as
MetaMask. Each account also gets an *encryption* key pair (buyers and requesters publish its public
key so content can be wrapped to them). It is derived from the wallet secret on a separate hardened
branch, ``m/44'/60'/7'/0/i`` — never the signing key itself, so decrypting never needs the key that
moves money, and leaking one does not leak the other. A wallet imported from a single private key
derives its encryption key as keccak256(domain || key), reduced into the curve order.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_utils import keccak

Account.enable_unaudited_hdwallet_features()

SIGNING_PATH = "m/44'/60'/0'/0/{index}"
ENCRYPTION_PATH = "m/44'/60'/7'/0/{index}"
ENCRYPTION_DOMAIN = b"sahara/encryption-key/v1"
_CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True)
class EncryptionKey:
    private_key: bytes
    public_key: bytes  # 64-byte uncompressed point without the 0x04 prefix (what eciespy accepts)


def signing_account(mnemonic: str, index: int) -> LocalAccount:
    return Account.from_mnemonic(mnemonic, account_path=SIGNING_PATH.format(index=index))


def _encryption_key(private_key: bytes) -> EncryptionKey:
    return EncryptionKey(private_key, keys.PrivateKey(private_key).public_key.to_bytes())


def encryption_key_from_mnemonic(mnemonic: str, index: int) -> EncryptionKey:
    derived = Account.from_mnemonic(mnemonic, account_path=ENCRYPTION_PATH.format(index=index))
    return _encryption_key(bytes(derived.key))


def encryption_key_from_private_key(private_key: bytes) -> EncryptionKey:
    digest = keccak(ENCRYPTION_DOMAIN + private_key)
    while not 0 < int.from_bytes(digest, "big") < _CURVE_ORDER:  # astronomically rare; stay valid anyway
        digest = keccak(digest)
    return _encryption_key(digest)
