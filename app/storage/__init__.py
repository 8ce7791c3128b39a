"""Content-addressed blob storage: the one storage facade the rest of the app uses.

    store = open_store(paths)                      # <data>/blobs (the default)
    store = open_store(paths, ipfs_api=URL)         # the user's IPFS node (Kubo RPC API)
    store = open_store(paths, gateway=URL)          # read-only, any trustless gateway
    cid = store.put_file(path)                      # CIDv1, the same CID IPFS gives these bytes
    save_stream(store.get(cid), dest)               # verified, all-or-nothing

Paid content is encrypted before it is stored (envelope.py): ``store.put(encrypt(pieces,
[public_key]))`` and ``decrypt(store.get(cid), private_key)``. Everything here is plain
synchronous Python; see store.py for why and for how async code calls it.
"""

from __future__ import annotations

from app.paths import AppPaths
from app.storage.cid import Cid, as_cid
from app.storage.errors import (
    BackendError,
    BlobCorrupt,
    BlobNotFound,
    BlobTooLarge,
    DecryptionError,
    InvalidCid,
    NotAFile,
    ReadOnlyStore,
    StorageError,
    StorageFull,
)
from app.storage.store import BlobStore, read_limited, read_pieces, save_stream

__all__ = [
    "BackendError",
    "BlobCorrupt",
    "BlobNotFound",
    "BlobStore",
    "BlobTooLarge",
    "Cid",
    "DecryptionError",
    "InvalidCid",
    "NotAFile",
    "ReadOnlyStore",
    "StorageError",
    "StorageFull",
    "as_cid",
    "open_store",
    "read_limited",
    "read_pieces",
    "save_stream",
]


def open_store(paths: AppPaths, *, ipfs_api: str | None = None, gateway: str | None = None) -> BlobStore:
    """The store to use: the local folder unless an IPFS API or a gateway URL is given."""
    if ipfs_api and gateway:
        raise ValueError("choose an IPFS node or a gateway, not both")
    if ipfs_api:
        from app.storage.ipfs_rpc import IpfsRpcStore

        return IpfsRpcStore(ipfs_api)
    if gateway:
        from app.storage.gateway import GatewayStore

        return GatewayStore(gateway)
    from app.storage.local import LocalStore

    return LocalStore(paths.data / "blobs")
