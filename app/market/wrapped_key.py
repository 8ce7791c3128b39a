"""The blob a seller publishes for one licensee: the asset's content key, wrapped to the buyer.

Format version 1 (134 bytes):

    "SAHK" | version 0x01 | ECIES-wrapped content key (keywrap.WRAPPED_SIZE = 129 bytes)

The blob is public (its CID is recorded on chain with ``recordDelivery``), so it holds nothing but
the wrap: only the buyer's encryption private key opens it. It names no content on purpose: the
license says which asset it is for, the asset's registration says which content CID, and
``envelope.decrypt_with_key`` refuses a key whose commitment does not match that content's header,
so a wrong or swapped key fails before any plaintext is released. The magic and version let a
later format (several keys, other curves) be told apart from this one.
"""

from __future__ import annotations

from app.storage.errors import DecryptionError
from app.storage.keywrap import WRAPPED_SIZE, unwrap_key, wrap_key

MAGIC = b"SAHK"
VERSION = 1
SIZE = len(MAGIC) + 1 + WRAPPED_SIZE


def seal(content_key: bytes, buyer_public_key: bytes) -> bytes:
    """The blob that delivers ``content_key`` to the holder of ``buyer_public_key`` (64 bytes)."""
    return MAGIC + bytes([VERSION]) + wrap_key(content_key, buyer_public_key)


def open_sealed(blob: bytes, private_key: bytes) -> bytes:
    """The content key inside ``blob``; ``DecryptionError`` if it is not one or not for this key."""
    if len(blob) != SIZE or blob[: len(MAGIC)] != MAGIC:
        raise DecryptionError("this is not a Sahara delivered-key blob")
    if blob[len(MAGIC)] != VERSION:
        raise DecryptionError(f"delivered-key format version {blob[len(MAGIC)]} is not supported by this app")
    return unwrap_key(blob[len(MAGIC) + 1 :], private_key)
