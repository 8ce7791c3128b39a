"""Put an asset's file into the store encrypted, so it can be registered and sold.

The content is encrypted once, with a fresh content key, to the owner's own encryption key (and
any extra readers). The owner being a reader is what lets key delivery work later without keeping
any key anywhere: the seller's service reads the blob's header, unwraps the content key with the
owner's private encryption key and re-wraps it for each buyer. The CID returned is what goes into
``AssetRegistry.register`` as the asset's content CID.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.storage import BlobStore, Cid, read_pieces
from app.storage.envelope import encrypt
from app.storage.keywrap import parse_public_key


def encrypt_and_store(
    store: BlobStore,
    path: Path,
    owner_encryption_pubkey: bytes | str,
    *,
    extra_readers: Sequence[bytes | str] = (),
) -> Cid:
    """Encrypt ``path`` to its owner (and ``extra_readers``) and store it; returns the content CID.

    Streams: files of any size pass in constant memory. Synchronous, like the store; async code
    runs it with ``asyncio.to_thread``. Raises ``keywrap.BadPublicKey`` for a malformed key,
    ``FileNotFoundError`` and the store's ``StorageError`` subclasses (``StorageFull``: nothing
    was stored).
    """
    readers = [parse_public_key(owner_encryption_pubkey), *(parse_public_key(k) for k in extra_readers)]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with open(path, "rb") as fh:
        return store.put(encrypt(read_pieces(fh), readers))
