"""Wrapping a content key to a person: ECIES over secp256k1 (the ``eciespy`` package).

The recipient is named by the encryption public key of one of their accounts (app/wallet/hd.py
``EncryptionKey``: a key pair separate from the one that signs transactions). eciespy's scheme is
an ephemeral secp256k1 key, ECDH, HKDF-SHA256 and AES-256-GCM; the parameters are pinned here
rather than taken from eciespy's mutable global default, because wrapped keys sit on IPFS and
on-chain for years and must stay readable whatever another module configures.
"""

from __future__ import annotations

import ecies
from ecies.config import Config
from ecies.keys import PublicKey

from app.storage.errors import DecryptionError

KEY_SIZE = 32
_ECIES = Config(
    elliptic_curve="secp256k1",
    is_ephemeral_key_compressed=False,
    is_hkdf_key_compressed=False,
    symmetric_algorithm="aes-256-gcm",
    symmetric_nonce_length=16,
)
WRAPPED_SIZE = 65 + 16 + 16 + KEY_SIZE  # ephemeral public key, nonce, tag, encrypted key


class BadPublicKey(ValueError):
    """Not a secp256k1 public key (hex of 64, 65 or 33 bytes, a point on the curve)."""


def parse_public_key(value: str | bytes) -> bytes:
    """Normalise a public key to the 64-byte form (uncompressed, no 0x04) and check it is on the curve.

    Accepts hex with or without ``0x`` or raw bytes, uncompressed (64 or 65 bytes) or compressed
    (33 bytes), so people can paste what their tool shows.
    """
    if isinstance(value, str):
        text = value.strip().removeprefix("0x").removeprefix("0X")
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise BadPublicKey(f"{value[:80]!r} is not hex") from None
    else:
        raw = bytes(value)
    if len(raw) not in (33, 64, 65):
        raise BadPublicKey(f"a public key is 64 bytes (128 hex digits), not {len(raw)}")
    try:
        return PublicKey("secp256k1", raw).to_bytes(compressed=False)[1:]
    except ValueError:
        raise BadPublicKey("that public key is not a point on the secp256k1 curve") from None


def wrap_key(content_key: bytes, public_key: bytes) -> bytes:
    """Encrypt ``content_key`` so only the holder of ``public_key``'s private key can read it."""
    if len(content_key) != KEY_SIZE:
        raise ValueError("a content key is 32 bytes")
    return ecies.encrypt(parse_public_key(public_key), content_key, config=_ECIES)


def unwrap_key(wrapped: bytes, private_key: bytes) -> bytes:
    """The content key inside ``wrapped``; ``DecryptionError`` if it was not wrapped to this key."""
    if len(wrapped) != WRAPPED_SIZE:
        raise DecryptionError(f"a wrapped key is {WRAPPED_SIZE} bytes, not {len(wrapped)}")
    try:
        key = ecies.decrypt(private_key, wrapped, config=_ECIES)
    except ValueError:
        raise DecryptionError("this key was not wrapped to your encryption key") from None
    if len(key) != KEY_SIZE:
        raise DecryptionError("the wrapped key has the wrong length")
    return key
