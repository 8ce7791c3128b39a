"""The content keys of a seller's own assets, for key delivery to pass on to buyers.

No content key is ever stored: the seller published its content encrypted to one of its own
accounts (``app.market.publish.encrypt_and_store``), so it is a reader of its blob like any buyer.
The key is taken from the blob's header with the owner's encryption key when a purchase needs it,
and kept in memory only, so a popular asset's header is not read again for every sale.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence

from app.chain.client import ChainClient
from app.chain.contracts import Deployment
from app.market import licenses
from app.storage import BlobStore, Cid, DecryptionError, InvalidCid, StorageError
from app.storage.envelope import read_header


def unwrap_own_key(store: BlobStore, cid: Cid, private_keys: Sequence[bytes]) -> bytes:
    """The content key of the encrypted blob ``cid``, opened with one of the owner's keys.

    Reads only the header (the first piece); the reader is closed at once so a large blob's file
    is not held open.
    """
    pieces: Iterator[bytes] = store.get(cid)
    try:
        header = read_header(pieces)
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
    for private_key in private_keys:
        try:
            return header.content_key(private_key)
        except DecryptionError:
            continue
    raise DecryptionError(
        f"the content {cid} is not encrypted to any account of this wallet, so its key cannot be "
        "passed on; publish content with app.market.publish.encrypt_and_store"
    )


class ContentKeys:
    """Content keys by (asset, content CID), read from the store on first use."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self._keys: dict[tuple[int, str], bytes] = {}

    async def get(
        self,
        client: ChainClient,
        deployment: Deployment,
        asset_id: int,
        private_keys: Callable[[], Sequence[bytes]],
    ) -> bytes:
        """The key of the content the asset is registered with on chain now (a re-registered
        asset gets its new key). ``private_keys`` is called only on a cache miss, owner's first:
        with the wallet locked it raises ``WalletLocked``, and a cached key needs no wallet."""
        try:
            cid = await licenses.asset_content_cid(client, deployment, asset_id)
        except InvalidCid as exc:
            raise StorageError(f"asset {asset_id} was registered with a content CID that is not one") from exc
        cached = self._keys.get((asset_id, str(cid)))
        if cached is not None:
            return cached
        key = await asyncio.to_thread(unwrap_own_key, self.store, cid, private_keys())
        self._keys[(asset_id, str(cid))] = key
        return key
